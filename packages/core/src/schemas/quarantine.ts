import { z } from 'zod';
import { stableId } from '../ids.js';
import type { QuarantineRecord } from '../state.js';
import { Envelope, IsoTime } from './envelope.js';

/**
 * A server's quarantine on `mcp.quarantines.v1` (compacted, key = server id): the record the store
 * holds. A release is a tombstone (the key with a null value), so once compaction has run the
 * topic holds exactly the quarantined servers, however long ago they were quarantined. This is
 * what a Redis loss is recovered from (see services/cli/src/recovery).
 */
export const QuarantineMessage = Envelope.extend({
  type: z.literal('quarantine'),
  quarantine: z.object({
    reason: z.string().max(64 * 1024),
    alertId: z.string().max(200).optional(),
    pollId: z.string().max(200).optional(),
    actor: z.string().min(1).max(256),
    at: IsoTime,
  }),
});
export type QuarantineMessage = z.infer<typeof QuarantineMessage>;

/** The message for a server's quarantine record; its id is derived from the record (a re-publish dedupes). */
export function makeQuarantineMessage(serverId: string, record: QuarantineRecord): QuarantineMessage {
  const quarantine = {
    reason: record.reason,
    actor: record.actor,
    at: record.at,
    ...(record.alertId !== undefined ? { alertId: record.alertId } : {}),
    // Restored with the record after a Redis loss: the rest of the change is still paged, not inhibited.
    ...(record.pollId !== undefined ? { pollId: record.pollId } : {}),
  };
  return { id: stableId('qr', serverId, record.at, record.actor), type: 'quarantine', version: 1, time: record.at, serverId, quarantine };
}
