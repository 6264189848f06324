import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Action as ActionT } from '@driftwatch/core';
import { auditKey, encodeCursor, keyRange, timePrefix } from '../audit/audit-key.js';
import type { AuditPage, AuditPageQuery } from '../audit/audit-page.js';
import { Action, decode } from '../codec.js';
import { ChainAppender, defineChainScripts, pruneChained } from './audit-chain.js';
import { verifyRedisAuditChain, type RedisAuditChainReport } from './audit-chain-verify.js';
import { eventsKey } from './event-log.js';

/*
 * The audit trail in Redis, kept by time (never by count):
 *   <p>auditlog:index              sorted set, every score 0, members are audit keys
 *                                  (`<13-digit ms>:<serverId>:<actionId>`, see audit-key.ts), so
 *                                  ZRANGE … BYLEX REV pages newest first from a cursor in O(log N + page)
 *   <p>auditlog:server:<serverId>  the same members for one server
 *   <p>auditlog:data               hash member → the action's JSON (canonical JSON since the chain;
 *                                  plain JSON before it: readers take either)
 *   <p>auditlog:version            "1" once the legacy lists (below) were migrated
 * The hash chain (audit-chain.ts) beside it, so the entries and their readers stay as they were:
 *   <p>auditlog:seq                sorted set, score = position in append order, member = audit key
 *   <p>auditlog:link               hash member → "<seq>:<prevHash>:<hash>"
 *   <p>auditlog:head               "<seq>:<hash>" of the newest record
 *   <p>auditlog:anchor             "<seq>:<hash>" of the last record retention folded away (absent:
 *                                  0 and the genesis hash)
 *   <p>auditlog:pruned             sorted set, score = seq, member "<hash>:<audit key>": records
 *                                  removed by retention that do not border the anchor yet
 *   <p>auditlog:unchained          how many entries without a link belong in the trail (written
 *                                  before the chain existed, or copied from the legacy lists)
 *   <p>auditlog:turn               short-lived: which writer appends next (fairness, audit-chain.ts)
 * Before this layout the trail was two capped lists, <p>audit and <p>audit:server:<id> (LPUSH +
 * LTRIM to 10,000 / 1,000: the volume eviction an attacker used). migrateLegacy() copies them in.
 */

export function auditLogKeys(p: string) {
  return {
    index: `${p}auditlog:index`,
    byServer: (serverId: string) => `${p}auditlog:server:${serverId}`,
    data: `${p}auditlog:data`,
    version: `${p}auditlog:version`,
    seq: `${p}auditlog:seq`,
    link: `${p}auditlog:link`,
    head: `${p}auditlog:head`,
    anchor: `${p}auditlog:anchor`,
    pruned: `${p}auditlog:pruned`,
    unchained: `${p}auditlog:unchained`,
    /** A writer that kept losing the race for the head claims the next append (audit-chain.ts). */
    turn: `${p}auditlog:turn`,
    /** Legacy lists renamed here while being copied, so an old writer starts a fresh list meanwhile. */
    legacyCopy: (token: string) => `${p}auditlog:legacy:${token}`,
    legacyCopyPattern: `${globEscape(p)}auditlog:legacy:*`,
    legacyGlobal: `${p}audit`,
    legacyPerServerPattern: `${globEscape(p)}audit:server:*`,
  };
}

export type AuditLogKeys = ReturnType<typeof auditLogKeys>;

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export interface RedisAuditLog {
  /**
   * Links the action into the hash chain, with the `action` event's JSON ('' for none) written in
   * the same script. False when an entry with its key (time, server, id) is there already.
   */
  append(action: ActionT, eventJson: string): Promise<boolean>;
  page(query: AuditPageQuery, limit: number): Promise<AuditPage>;
  /** Removes up to `max` entries older than cutoffMs, oldest first; returns how many. */
  prune(cutoffMs: number, max: number, batch: number): Promise<number>;
  /** Copies legacy lists into this layout (idempotent, safe on several replicas at once); returns entries added. */
  migrateLegacy(): Promise<number>;
  /** Walks the hash chain (audit-chain-verify.ts); removals older than retentionCutoffMs are retention. */
  verifyChain(retentionCutoffMs: number): Promise<RedisAuditChainReport>;
  /** Resolves once the appends queued so far are written. */
  idle(): Promise<void>;
}

export function createRedisAuditLog(redis: Redis, prefix: string, log: Logger): RedisAuditLog {
  const k = auditLogKeys(prefix);
  const scripts = defineChainScripts(redis);
  const chain = new ChainAppender(scripts.append, k, eventsKey(prefix));

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
      const copies: Array<Promise<unknown>> = [];
      for (const raw of raws) {
        let action: ActionT;
        try {
          action = decode(key, raw, Action);
        } catch {
          skipped++;
          continue;
        }
        const member = auditKey(action);
        // Sent together (one connection pipelines them). Unlinked: counted as legacy by the chain.
        copies.push(scripts.copyLegacy(4, k.data, k.index, k.byServer(action.serverId), k.unchained, member, raw));
      }
      // 1 when the entry is new (the lists overlap).
      for (const res of await Promise.all(copies)) if (res === 1) copied++;
      if (raws.length < CHUNK) break;
    }
    if (skipped) log.warn({ key, skipped }, 'legacy audit entries that do not validate were not migrated');
    await redis.del(key);
    return copied;
  }

  return {
    append: (action, eventJson) => chain.append(action, eventJson),

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
        // One script: the entries go, and their chain positions stay as tombstones or the anchor.
        removed += await pruneChained(scripts.prune, k, members, Math.max(batch, members.length));
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

    verifyChain: (retentionCutoffMs) => verifyRedisAuditChain(redis, k, { retentionCutoffMs }),
    idle: () => chain.idle(),
  };
}
