import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Action as ActionT } from '@driftwatch/core';
import { auditKey, encodeCursor, keyRange, parseAuditKey, timePrefix } from '../audit/audit-key.js';
import type { AuditPage, AuditPageQuery } from '../audit/audit-page.js';
import { Action, decode } from '../codec.js';
import { EVENT_RETAIN_COUNT } from '../events/event.js';
import { EVENT_FIELD, eventsKey } from './event-log.js';

/*
 * The audit trail in Redis, kept by time (never by count):
 *   <p>auditlog:index              sorted set, every score 0, members are audit keys
 *                                  (`<13-digit ms>:<serverId>:<actionId>`, see audit-key.ts), so
 *                                  ZRANGE … BYLEX REV pages newest first from a cursor in O(log N + page)
 *   <p>auditlog:server:<serverId>  the same members for one server
 *   <p>auditlog:data               hash member → the action's JSON
 *   <p>auditlog:version            "1" once the legacy lists (below) were migrated
 * Before this layout the trail was two capped lists, <p>audit and <p>audit:server:<id> (LPUSH +
 * LTRIM to 10,000 / 1,000: the volume eviction an attacker used). migrateLegacy() copies them in.
 */

export function auditLogKeys(p: string) {
  return {
    index: `${p}auditlog:index`,
    byServer: (serverId: string) => `${p}auditlog:server:${serverId}`,
    data: `${p}auditlog:data`,
    version: `${p}auditlog:version`,
    /** Legacy lists renamed here while being copied, so an old writer starts a fresh list meanwhile. */
    legacyCopy: (token: string) => `${p}auditlog:legacy:${token}`,
    legacyCopyPattern: `${globEscape(p)}auditlog:legacy:*`,
    legacyGlobal: `${p}audit`,
    legacyPerServerPattern: `${globEscape(p)}audit:server:*`,
  };
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * KEYS: data, index, byServer, events. ARGV: member, action JSON, event JSON ('' for none), maxlen.
 * One entry per member: a retried append changes nothing and emits no second event.
 */
export const APPEND_AUDIT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if ARGV[3] ~= '' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '0-*', '${EVENT_FIELD}', ARGV[3])
end
return 1
`;

export interface RedisAuditLog {
  /** With the `action` event's JSON ('' for none), written in the same script. */
  append(action: ActionT, eventJson: string): Promise<boolean>;
  page(query: AuditPageQuery, limit: number): Promise<AuditPage>;
  /** Removes up to `max` entries older than cutoffMs, oldest first; returns how many. */
  prune(cutoffMs: number, max: number, batch: number): Promise<number>;
  /** Copies legacy lists into this layout (idempotent, safe on several replicas at once); returns entries added. */
  migrateLegacy(): Promise<number>;
}

export function createRedisAuditLog(redis: Redis, prefix: string, log: Logger): RedisAuditLog {
  const k = auditLogKeys(prefix);
  const events = eventsKey(prefix);
  redis.defineCommand('dwAppendAudit', { lua: APPEND_AUDIT, numberOfKeys: 4 });

  async function scanKeys(pattern: string, type: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', type);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  }

  /** Moves a legacy list aside; false when it is gone (another replica took it). */
  async function setAside(key: string): Promise<boolean> {
    try {
      await redis.rename(key, k.legacyCopy(randomUUID()));
      return true;
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  async function copyList(key: string): Promise<number> {
    const CHUNK = 1000;
    let copied = 0;
    let skipped = 0;
    for (let start = 0; ; start += CHUNK) {
      const raws = await redis.lrange(key, start, start + CHUNK - 1);
      if (raws.length === 0) break;
      const pipe = redis.pipeline();
      for (const raw of raws) {
        let action: ActionT;
        try {
          action = decode(key, raw, Action);
        } catch {
          skipped++;
          continue;
        }
        const member = auditKey(action);
        pipe.hsetnx(k.data, member, raw).zadd(k.index, 0, member).zadd(k.byServer(action.serverId), 0, member);
      }
      const res = (await pipe.exec()) ?? [];
      for (const [err] of res) if (err) throw err;
      // Every third reply is an HSETNX: 1 when the entry is new (the lists overlap).
      for (let i = 0; i < res.length; i += 3) if (res[i]![1] === 1) copied++;
      if (raws.length < CHUNK) break;
    }
    if (skipped) log.warn({ key, skipped }, 'legacy audit entries that do not validate were not migrated');
    await redis.del(key);
    return copied;
  }

  return {
    async append(action, eventJson) {
      const member = auditKey(action);
      const fn = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>).dwAppendAudit!;
      const res = await fn.call(redis, k.data, k.index, k.byServer(action.serverId), events, member, JSON.stringify(action), eventJson, EVENT_RETAIN_COUNT);
      return res === 1;
    },

    async page(query, limit) {
      const { below, from } = keyRange(query);
      if (limit === 0) return { actions: [], nextCursor: null };
      const key = query.serverId === undefined ? k.index : k.byServer(query.serverId);
      // One more than asked: tells whether a next page exists without an empty last page.
      const members = await redis.zrange(key, below === null ? '+' : `(${below}`, from === null ? '-' : `[${from}`, 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
      const more = members.length > limit;
      const pageMembers = more ? members.slice(0, limit) : members;
      const actions: ActionT[] = [];
      if (pageMembers.length) {
        const raws = await redis.hmget(k.data, ...pageMembers);
        pageMembers.forEach((member, i) => {
          const raw = raws[i];
          if (raw === null || raw === undefined) return; // pruned between the two reads
          try {
            actions.push(decode(`${k.data}#${member}`, raw, Action));
          } catch (err) {
            log.warn({ key: k.data, member, err: (err as Error).message }, 'skipping unreadable audit entry');
          }
        });
      }
      return { actions, nextCursor: more ? encodeCursor(pageMembers[pageMembers.length - 1]!) : null };
    },

    async prune(cutoffMs, max, batch) {
      let removed = 0;
      while (removed < max) {
        const n = Math.min(batch, max - removed);
        const members = await redis.zrange(k.index, '-', `(${timePrefix(cutoffMs)}`, 'BYLEX', 'LIMIT', 0, n);
        if (members.length === 0) break;
        const byServer = new Map<string, string[]>();
        for (const m of members) {
          const { serverId } = parseAuditKey(m);
          const list = byServer.get(serverId) ?? [];
          list.push(m);
          byServer.set(serverId, list);
        }
        const tx = redis.multi().zrem(k.index, ...members).hdel(k.data, ...members);
        for (const [serverId, list] of byServer) tx.zrem(k.byServer(serverId), ...list);
        for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
        removed += members.length;
        if (members.length < n) break;
      }
      return removed;
    },

    async migrateLegacy() {
      const res = (await redis.pipeline().get(k.version).type(k.legacyGlobal).exec()) ?? [];
      for (const [err] of res) if (err) throw err;
      const version = res[0]?.[1];
      const globalType = res[1]?.[1];
      if (version === '1' && globalType === 'none') return 0;
      // Full pass: the first start on this layout, or an old writer (rolling upgrade) wrote again.
      const started = Date.now();
      if (globalType === 'list') await setAside(k.legacyGlobal);
      for (const key of await scanKeys(k.legacyPerServerPattern, 'list')) await setAside(key);
      let copied = 0;
      const sources = await scanKeys(k.legacyCopyPattern, 'list');
      for (const key of sources) copied += await copyList(key);
      await redis.set(k.version, '1');
      if (sources.length) log.info({ lists: sources.length, copied, ms: Date.now() - started }, 'migrated legacy audit lists');
      return copied;
    },
  };
}
