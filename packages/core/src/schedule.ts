import { createHash } from 'node:crypto';

/**
 * Poll slots. Time is cut into intervals shifted by a per-server offset; every replica computes
 * the same slot for the same instant, so a lease keyed by (server, slot) lets exactly one replica
 * poll a server per interval. The offset is the jitter: it spreads servers with one interval over
 * the whole interval instead of firing them all on the same second.
 */
export function jitterOffsetMs(serverId: string, intervalMs: number): number {
  const h = createHash('sha256').update(serverId).digest();
  return h.readUInt32BE(0) % Math.max(1, Math.floor(intervalMs));
}

export function slotOf(nowMs: number, intervalMs: number, offsetMs: number): number {
  return Math.floor((nowMs - offsetMs) / intervalMs);
}

export function slotStartMs(slot: number, intervalMs: number, offsetMs: number): number {
  return slot * intervalMs + offsetMs;
}

/**
 * How long a replica waits before claiming a (server, slot) lease. Every replica ticks on the same
 * second boundary, so without this the fastest one would claim the whole fleet; a delay hashed
 * from (replica, server, slot) makes each claim an independent coin toss between replicas.
 */
export function claimDelayMs(instanceId: string, serverId: string, slot: number, maxMs: number): number {
  if (maxMs < 1) return 0;
  const h = createHash('sha256').update(`${instanceId}\u0000${serverId}\u0000${slot}`).digest();
  return h.readUInt32BE(0) % Math.floor(maxMs);
}

/**
 * How long a server that keeps failing waits before its next poll, counted from its last failure:
 * nothing extra after one failure (a blip), then 2, 4, 8, 16 intervals, never more than `capMs`
 * (and never less than one interval). A dead or hanging server so costs a probe slot ever more
 * rarely, while a recovery is still noticed within the cap.
 */
export function backoffMs(consecutiveFailures: number, intervalMs: number, capMs: number): number {
  if (consecutiveFailures <= 1) return 0;
  const factor = 2 ** Math.min(consecutiveFailures - 1, 4);
  return Math.min(intervalMs * factor, Math.max(intervalMs, capMs));
}
