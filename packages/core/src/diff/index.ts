import type { Fingerprints, Observation } from '../schemas/snapshot.js';
import { CHANGE_KINDS } from '../schemas/alert.js';
import { canonicalJson, sha256Hex } from '../canonical.js';
import { compareStrings } from '../fingerprint.js';
import type { Change } from './types.js';
import { diffServer } from './server.js';
import { diffTools } from './tools.js';
import { diffPrompts, diffResources, diffResourceTemplates } from './catalog.js';
import { diffModels } from './models.js';

export type { Change } from './types.js';

const KIND_ORDER = new Map<string, number>(CHANGE_KINDS.map((k, i) => [k, i]));

/** An observation, with the per-tool fingerprints of its snapshot when it has them. */
export type WithToolFingerprints = Observation & { fingerprints?: Partial<Pick<Fingerprints, 'tools'>> };

/**
 * Every structural difference between a baseline and a new observation, in a deterministic
 * order (taxonomy order, then subject, then evidence). Order of lists, pagination, key order
 * and annotations left at their defaults never produce a change. Probe failures
 * (`server.unreachable` / `server.recovered`) are the differ service's business, not this one's.
 */
export function diffObservations(before: WithToolFingerprints, after: WithToolFingerprints): Change[] {
  const changes = [
    ...diffServer(before, after),
    ...diffTools(before.tools, after.tools, { before: before.fingerprints?.tools, after: after.fingerprints?.tools }),
    ...diffPrompts(before.prompts, after.prompts),
    ...diffResources(before.resources, after.resources),
    ...diffResourceTemplates(before.resourceTemplates, after.resourceTemplates),
    ...diffModels(before.models, after.models),
  ];
  const keyed = changes.map((c) => ({ c, order: KIND_ORDER.get(c.kind) ?? Number.MAX_SAFE_INTEGER, fp: evidenceFingerprint(c) }));
  keyed.sort((x, y) => x.order - y.order || compareStrings(x.c.subject, y.c.subject) || compareStrings(x.fp, y.fp));
  return keyed.map((k) => k.c);
}

/** Identity of what a change showed: the same change seen twice has the same fingerprint. */
export function evidenceFingerprint(change: Change): string {
  return sha256Hex(canonicalJson({ kind: change.kind, subject: change.subject, evidence: change.evidence }));
}
