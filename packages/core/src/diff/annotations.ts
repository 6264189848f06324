import { maxSeverity, type Severity } from '../severity.js';
import { normalizeAnnotations, compareStrings } from '../fingerprint.js';
import { jsonEqual } from './json-diff.js';
import { shortJson } from './format.js';

export interface AnnotationFinding {
  severity: Severity;
  /** escalation: the tool now claims more power; de-escalation: less. */
  direction: 'escalation' | 'de-escalation' | 'other';
  text: string;
}

/**
 * The hints whose flip in one direction means "this tool can now do more damage": a client that
 * auto-approved a read-only, closed-world tool would now let it write or reach the internet.
 * Value = the risky setting.
 */
const RISKY: Record<string, boolean> = { readOnlyHint: false, destructiveHint: true, openWorldHint: true };

export function compareAnnotations(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): { findings: AnnotationFinding[]; severity: Severity } {
  const b = normalizeAnnotations(before);
  const a = normalizeAnnotations(after);
  const findings: AnnotationFinding[] = [];
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(compareStrings);
  for (const k of keys) {
    if (jsonEqual(b[k], a[k])) continue;
    const text = `${k} ${shortJson(b[k])} → ${shortJson(a[k])}`;
    const risky = RISKY[k];
    if (risky !== undefined && typeof b[k] === 'boolean' && typeof a[k] === 'boolean') {
      if (a[k] === risky) findings.push({ severity: 'high', direction: 'escalation', text: `${text} (escalation)` });
      else findings.push({ severity: 'low', direction: 'de-escalation', text: `${text} (de-escalation)` });
    } else if (risky !== undefined) {
      // A hint that is not a boolean any more cannot be trusted by a client either way.
      findings.push({ severity: 'medium', direction: 'other', text: `${text} (not a boolean)` });
    } else if (k === 'idempotentHint') {
      findings.push({ severity: 'low', direction: 'other', text });
    } else {
      findings.push({ severity: 'info', direction: 'other', text });
    }
  }
  return { findings, severity: findings.reduce<Severity>((s, f) => maxSeverity(s, f.severity), 'info') };
}
