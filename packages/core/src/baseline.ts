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
