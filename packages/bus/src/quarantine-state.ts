import { makeQuarantineMessage, TOPICS, type QuarantineRecord } from '@driftwatch/core';
import type { BusPort } from './port.js';

/**
 * Publishes a server's quarantine as the store now holds it to `mcp.quarantines.v1` (compacted):
 * the record, or a tombstone when there is none (a release). Callers pass what they read back
 * after their change, not what they meant to write, so when a quarantine and a release race, the
 * later publish carries the later state. The topic is what a lost Redis is rebuilt from.
 */
export async function publishQuarantineState(bus: BusPort, serverId: string, record: QuarantineRecord | null): Promise<void> {
  if (record) await bus.publish(TOPICS.quarantines, serverId, makeQuarantineMessage(serverId, record));
  else await bus.publishTombstone(TOPICS.quarantines, serverId);
}
