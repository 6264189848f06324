import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DriftEvent, EVENT_RETAIN_COUNT, batchLimit, type EventBatch } from '../events/event.js';

/*
 * The live event log in Redis: one stream, `<prefix>events`. Entries are added as `0-*`, so Redis
 * numbers them 0-1, 0-2, … atomically for every replica; the number is the event id clients see.
 * Consecutive numbers make resumption exact: a reader at n has missed events exactly when the
 * oldest retained entry is above n+1. XADD trims to about EVENT_RETAIN_COUNT entries (MAXLEN ~, so
 * whole macro nodes go at once and the cost stays O(1)); prune() drops entries older than 24 h.
 * Each entry has one field, `e`: the event's JSON without its id, validated again on read.
 */

export const EVENT_FIELD = 'e';

export function eventsKey(prefix: string): string {
  return `${prefix}events`;
}

/** "0-17" → 17; null for ids we did not write. */
function entryNumber(streamId: string): number | null {
  const m = /^0-(\d{1,15})$/.exec(streamId);
  return m ? Number(m[1]) : null;
}

interface StreamInfo {
  /** Number of the newest event ever added (0: none). */
  last: number;
  /** Number of the oldest retained event, null when none is retained. */
  first: number | null;
}

function parseInfo(reply: unknown): StreamInfo {
  const flat = reply as unknown[];
  let last = 0;
  let first: number | null = null;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === 'last-generated-id') last = entryNumber(String(flat[i + 1])) ?? 0;
    if (flat[i] === 'first-entry' && Array.isArray(flat[i + 1])) first = entryNumber(String((flat[i + 1] as unknown[])[0]));
  }
  return { last, first };
}

export interface RedisEventLog {
  append(eventJson: string): Promise<string>;
  read(afterId: string | null, limit: number): Promise<EventBatch>;
  /** Drops events older than cutoffMs (at most `max` per call); returns how many. */
  trimOlderThan(cutoffMs: number, max: number): Promise<number>;
}

export function createRedisEventLog(redis: Redis, prefix: string, log: Logger): RedisEventLog {
  const key = eventsKey(prefix);

  function decodeEntry(streamId: string, fields: string[]): DriftEvent | null {
    const n = entryNumber(streamId);
    const i = fields.indexOf(EVENT_FIELD);
    if (n === null || i < 0 || i % 2 !== 0) return null;
    try {
      const parsed = DriftEvent.safeParse({ ...(JSON.parse(fields[i + 1]!) as object), id: String(n) });
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  return {
    async append(eventJson) {
      const id = await redis.xadd(key, 'MAXLEN', '~', EVENT_RETAIN_COUNT, '0-*', EVENT_FIELD, eventJson);
      const n = id === null ? null : entryNumber(id);
      if (n === null) throw new Error(`${key}: unexpected stream id ${String(id)}`);
      return String(n);
    },

    async read(afterId, limit) {
      const after = afterId === null ? null : /^\d{1,15}$/.test(afterId) ? Number(afterId) : NaN;
      const count = batchLimit(limit);
      // One transaction: the position check and the read see the same stream.
      const tx = redis.multi().xinfo('STREAM', key);
      if (after !== null && Number.isFinite(after) && count > 0) tx.xrange(key, `(0-${after}`, '+', 'COUNT', count);
      const res = (await tx.exec()) ?? [];
      const [infoErr, infoReply] = res[0] ?? [new Error('missing reply'), null];
      let info: StreamInfo = { last: 0, first: null };
      if (infoErr) {
        if (!/no such key/i.test(infoErr.message)) throw infoErr;
      } else {
        info = parseInfo(infoReply);
      }
      const tail = String(info.last);
      if (after === null) return { events: [], next: tail, reset: null };
      if (!Number.isFinite(after) || after > info.last) return { events: [], next: tail, reset: 'unknown_id' };
      // Entries are numbered consecutively: anything between `after` and the oldest retained was trimmed.
      const oldestKept = info.first ?? info.last + 1;
      if (after + 1 < oldestKept) return { events: [], next: tail, reset: 'too_old' };
      const [rangeErr, entries] = res[1] ?? [null, []];
      if (rangeErr) throw rangeErr;
      const events: DriftEvent[] = [];
      let next = afterId!;
      for (const [streamId, fields] of entries as Array<[string, string[]]>) {
        next = String(entryNumber(streamId) ?? next);
        const event = decodeEntry(streamId, fields);
        if (event) events.push(event);
        else log.warn({ key, streamId }, 'skipping unreadable event');
      }
      return { events, next, reset: null };
    },

    async trimOlderThan(cutoffMs, max) {
      let removed = 0;
      while (removed < max) {
        const entries = await redis.xrange(key, '-', '+', 'COUNT', Math.min(500, max - removed));
        let keepFrom: string | null = null;
        let old = 0;
        for (const [streamId, fields] of entries) {
          const event = decodeEntry(streamId, fields);
          // An unreadable entry is dropped with the old ones around it rather than kept forever.
          if (event && !(Date.parse(event.time) < cutoffMs)) {
            keepFrom = streamId;
            break;
          }
          old++;
        }
        if (old === 0) break;
        const last = entries[old - 1]![0];
        // MINID keeps ids >= the bound: the first young entry, or just past the last old one.
        const bound = keepFrom ?? `0-${(entryNumber(last) ?? 0) + 1}`;
        const n = await redis.xtrim(key, 'MINID', bound);
        removed += n;
        if (keepFrom !== null || n === 0) break;
      }
      return removed;
    },
  };
}
