import type { ChangeKindName } from '../schemas/alert.js';
import type { Severity } from '../severity.js';

/** One structural difference between a baseline and a new observation. */
export interface Change {
  kind: ChangeKindName;
  /** What changed: a tool or prompt name, a resource uri, `source:name` for a model, or a fixed word for server kinds. */
  subject: string;
  severity: Severity;
  /** One line a pager can show (≤ 300 chars). */
  summary: string;
  evidence: { before?: unknown; after?: unknown };
  /** Short human-readable findings, e.g. `+ properties.notes (string, free text)`. */
  details?: string[];
}
