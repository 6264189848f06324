import type { Baseline, Snapshot } from './schemas/index.js';
import { stableId } from './ids.js';

/** A baseline message for a snapshot; its id is stable for (server, fingerprint, origin). */
export function makeBaseline(
  snapshot: Snapshot,
  opts: { origin: Baseline['origin']; approvedBy: string; reason: string; now: Date },
): Baseline {
  return {
    id: stableId('bsl', snapshot.serverId, snapshot.fingerprints.snapshot, opts.origin, opts.now.toISOString()),
    type: 'baseline',
    version: 1,
    time: opts.now.toISOString(),
    serverId: snapshot.serverId,
    fingerprint: snapshot.fingerprints.snapshot,
    approvedBy: opts.approvedBy,
    reason: opts.reason,
    origin: opts.origin,
    snapshot,
  };
}

/**
 * The same baseline as JSON text, spliced around the snapshot's JSON text instead of parsing and
 * re-serialising a snapshot that may be megabytes (an approval on the API's event loop).
 * `snapshot.json` must be the JSON of a valid Snapshot of `snapshot.serverId`.
 */
export function makeBaselineJson(
  snapshot: { serverId: string; fingerprint: string; json: string },
  opts: { origin: Baseline['origin']; approvedBy: string; reason: string; now: Date },
): { fingerprint: string; json: string } {
  const head: Omit<Baseline, 'snapshot'> = {
    id: stableId('bsl', snapshot.serverId, snapshot.fingerprint, opts.origin, opts.now.toISOString()),
    type: 'baseline',
    version: 1,
    time: opts.now.toISOString(),
    serverId: snapshot.serverId,
    fingerprint: snapshot.fingerprint,
    approvedBy: opts.approvedBy,
    reason: opts.reason,
    origin: opts.origin,
  };
  const text = JSON.stringify(head);
  return { fingerprint: snapshot.fingerprint, json: `${text.slice(0, -1)},"snapshot":${snapshot.json}}` };
}
