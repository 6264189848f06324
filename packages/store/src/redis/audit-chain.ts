import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Action } from '@driftwatch/core';
import { auditKey, parseAuditKey } from '../audit/audit-key.js';
import { GENESIS_HASH, auditChainHash, canonicalAction } from '../audit/chain.js';
import { EVENT_RETAIN_COUNT } from '../events/event.js';
import type { AuditLogKeys } from './audit-log.js';
import { EVENT_FIELD } from './event-log.js';

/*
 * The audit hash chain (audit/chain.ts) in Redis. Each record gets the next position (seq) and
 * sha256(previous hash + "\n" + its canonical JSON). Redis Lua has no SHA-256, so the hash is
 * computed here and linked with optimistic concurrency: the append script is a compare-and-set
 * on the head — it writes only if the head is still the one the hashes were computed from, and
 * otherwise returns the current head to compute again from. A script is atomic, so this needs no
 * WATCH (whose state is per connection and would need a connection per writer); the shared
 * connection can carry it beside everything else. Appends of one process are batched into one
 * script call, so its writers never race each other; only other processes can win the head.
 *
 * Plain compare-and-set is not fair: under sustained appends from several processes, one can lose
 * race after race. A writer that lost CLAIM_AFTER times in a row claims the turn (auditlog:turn,
 * TURN_MS): until it appends, or the claim expires, other writers are told to wait. It got the
 * current head with its last refusal and nobody else can move it, so its next attempt succeeds.
 */

/** Races lost (the head moved since it was read) before giving up; the turn makes this rare. */
export const MAX_HEAD_ATTEMPTS = 10;
const CLAIM_AFTER = 3;
/** How long a claimed turn holds others off if its holder does not come back (crashed, paused). */
const TURN_MS = 250;
/** Longest a batch waits on turns other writers claimed, before giving up. */
const WAIT_LIMIT_MS = 5_000;
/** Records per append script, and their text: bounds the time Redis spends in one script. */
const BATCH_RECORDS = 100;
const BATCH_CHARS = 512 * 1024;

export interface ChainPoint {
  seq: number;
  hash: string;
}

const POINT = /^(\d{1,15}):([0-9a-f]{64})$/;

/** A `<seq>:<hash>` value, or null when it is not one. */
export function parsePoint(value: string | null | undefined): ChainPoint | null {
  const m = value ? POINT.exec(value) : null;
  return m ? { seq: Number(m[1]), hash: m[2]! } : null;
}

export const formatPoint = (p: ChainPoint): string => `${p.seq}:${p.hash}`;

/** A record's link, `<seq>:<prevHash>:<hash>` (auditlog:link). */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

const LINK = /^(\d{1,15}):([0-9a-f]{64}):([0-9a-f]{64})$/;

export function parseLink(value: string | null | undefined): ChainLink | null {
  const m = value ? LINK.exec(value) : null;
  return m ? { seq: Number(m[1]), prevHash: m[2]!, hash: m[3]! } : null;
}

/** A tombstone (auditlog:pruned member): `<hash>:<audit key>`. */
export function parseTombstone(member: string): { hash: string; key: string } {
  const i = member.indexOf(':');
  return { hash: member.slice(0, i), key: member.slice(i + 1) };
}

/** The position after everything in the chain; the head when it is missing or unreadable. */
const EFFECTIVE_HEAD = `
local function effectiveHead(headKey, seqKey, prunedKey, anchorKey)
  local h = redis.call('GET', headKey)
  if h and string.match(h, '^%d+:' .. string.rep('%x', 64) .. '$') then return h end
  -- No usable head (deleted, or overwritten): number on after whatever the chain holds, but from
  -- the genesis hash, so that the next record does not link and verify reports it; the trail
  -- keeps recording meanwhile.
  local seq = 0
  local last = redis.call('ZRANGE', seqKey, -1, -1, 'WITHSCORES')
  if last[2] then seq = math.max(seq, tonumber(last[2])) end
  local gone = redis.call('ZRANGE', prunedKey, -1, -1, 'WITHSCORES')
  if gone[2] then seq = math.max(seq, tonumber(gone[2])) end
  local a = redis.call('GET', anchorKey)
  local s = a and tonumber(string.match(a, '^(%d+):'))
  if s then seq = math.max(seq, s) end
  return string.format('%d', seq) .. ':${GENESIS_HASH}'
end
`;

/**
 * KEYS: data, index, seq, link, head, pruned, anchor, unchained, events, turn, then the per-server
 * indexes. ARGV: expected head, new head, event maxlen, writer id, claim ('1': claim the turn if
 * the head moved), then per record: member, canonical JSON, event JSON ('' for none), seq, link,
 * KEYS index of its server's index.
 * Returns {1} when written; nothing is written otherwise: {-1, head} when the head moved; {-3,
 * head} when another writer holds the turn; {-2, i...} when records i (0-based) are in the trail
 * already (a retried append adds no link).
 */
export const APPEND_CHAINED = `${EFFECTIVE_HEAD}
local head = effectiveHead(KEYS[5], KEYS[3], KEYS[6], KEYS[7])
local turn = redis.call('GET', KEYS[10])
if turn and turn ~= ARGV[4] then return {-3, head} end
if head ~= ARGV[1] then
  if ARGV[5] == '1' and not turn then redis.call('SET', KEYS[10], ARGV[4], 'PX', ${TURN_MS}) end
  return {-1, head}
end
local dups = {-2}
for i = 6, #ARGV, 6 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then dups[#dups + 1] = (i - 6) / 6 end
end
if #dups > 1 then return dups end
-- The chain starts now: what the trail holds already has no links (written before the chain
-- existed) and is counted, so that verify can tell those from unlinked records added later.
if redis.call('EXISTS', KEYS[5]) == 0 and redis.call('EXISTS', KEYS[8]) == 0 then
  redis.call('SET', KEYS[8], redis.call('ZCARD', KEYS[2]) - redis.call('ZCARD', KEYS[3]))
end
for i = 6, #ARGV, 6 do
  local m = ARGV[i]
  redis.call('HSET', KEYS[1], m, ARGV[i + 1])
  redis.call('ZADD', KEYS[2], 0, m)
  redis.call('ZADD', KEYS[tonumber(ARGV[i + 5])], 0, m)
  redis.call('ZADD', KEYS[3], ARGV[i + 3], m)
  redis.call('HSET', KEYS[4], m, ARGV[i + 4])
  if ARGV[i + 2] ~= '' then
    redis.call('XADD', KEYS[9], 'MAXLEN', '~', ARGV[3], '0-*', '${EVENT_FIELD}', ARGV[i + 2])
  end
end
redis.call('SET', KEYS[5], ARGV[2])
if turn then redis.call('DEL', KEYS[10]) end
return {1}
`;

/**
 * KEYS: data, index, seq, link, pruned, anchor, unchained, then the per-server indexes.
 * ARGV: fold limit, then per entry: member, KEYS index of its server's index. Returns entries removed.
 *
 * Retention goes by time, the chain by append order (an old action can arrive late), so a removed
 * record leaves a tombstone (its position and hash) in the same script; tombstones below the first
 * record still in the chain fold into the anchor the remaining chain starts from, as in SQLite.
 */
export const PRUNE_CHAINED = `
local removed = 0
for i = 2, #ARGV, 2 do
  local m = ARGV[i]
  -- Gone from the index already: another replica pruned it.
  if redis.call('ZREM', KEYS[2], m) == 1 then
    removed = removed + 1
    redis.call('HDEL', KEYS[1], m)
    redis.call('ZREM', KEYS[tonumber(ARGV[i + 1])], m)
    local seq = redis.call('ZSCORE', KEYS[3], m)
    if seq then
      local link = redis.call('HGET', KEYS[4], m) or ''
      redis.call('ZADD', KEYS[5], seq, string.sub(link, -64) .. ':' .. m)
      redis.call('ZREM', KEYS[3], m)
      redis.call('HDEL', KEYS[4], m)
    else
      local n = tonumber(redis.call('GET', KEYS[7]) or '0') or 0
      if n > 0 then redis.call('DECR', KEYS[7]) end
    end
  end
end
local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local upto = '+inf'
if first[2] then upto = '(' .. first[2] end
local gone = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', upto, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
if #gone > 0 then
  for j = 1, #gone, 2 do redis.call('ZREM', KEYS[5], gone[j]) end
  local member, seq = gone[#gone - 1], tonumber(gone[#gone])
  local cur = redis.call('GET', KEYS[6])
  local curSeq = cur and tonumber(string.match(cur, '^(%d+):')) or 0
  if seq > curSeq then
    redis.call('SET', KEYS[6], string.format('%d', seq) .. ':' .. string.sub(member, 1, string.find(member, ':', 1, true) - 1))
  end
end
return removed
`;

/**
 * KEYS: data, index, per-server index, unchained. ARGV: member, raw JSON. Copies one entry of the
 * legacy lists in; once the chain exists, an entry added counts as legacy (it has no link).
 */
export const COPY_LEGACY = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('INCR', KEYS[4]) end
return 1
`;

type Call = (...args: Array<string | number>) => Promise<unknown>;

export interface ChainScripts {
  /** Each takes the number of KEYS first (the per-server indexes vary). */
  append: Call;
  prune: Call;
  copyLegacy: Call;
}

export function defineChainScripts(redis: Redis): ChainScripts {
  redis.defineCommand('dwAppendChained', { lua: APPEND_CHAINED });
  redis.defineCommand('dwPruneChained', { lua: PRUNE_CHAINED });
  redis.defineCommand('dwCopyLegacyAudit', { lua: COPY_LEGACY });
  const cmd = redis as unknown as Record<string, Call>;
  const bind = (name: string): Call => (...a) => cmd[name]!.apply(redis, a);
  return { append: bind('dwAppendChained'), prune: bind('dwPruneChained'), copyLegacy: bind('dwCopyLegacyAudit') };
}

/** Removes the given index members (oldest first) with their links, leaving tombstones; returns how many. */
export async function pruneChained(call: Call, k: AuditLogKeys, members: string[], foldMax: number): Promise<number> {
  const fixed = [k.data, k.index, k.seq, k.link, k.pruned, k.anchor, k.unchained];
  const servers = keySlots(fixed.length);
  const argv: Array<string | number> = [foldMax];
  for (const m of members) argv.push(m, servers.slot(k.byServer(parseAuditKey(m).serverId)));
  return Number(await call(fixed.length + servers.keys.length, ...fixed, ...servers.keys, ...argv));
}

/** The per-server index keys a script call touches, after its `fixed` KEYS, and each one's 1-based KEYS position. */
function keySlots(fixed: number): { keys: string[]; slot: (key: string) => number } {
  const keys: string[] = [];
  const at = new Map<string, number>();
  return {
    keys,
    slot(key) {
      let i = at.get(key);
      if (i === undefined) at.set(key, (i = fixed + keys.push(key)));
      return i;
    },
  };
}

interface Waiter {
  resolve: (added: boolean) => void;
  reject: (err: Error) => void;
}

interface Pending {
  member: string;
  text: string;
  eventJson: string;
  serverKey: string;
  waiters: Waiter[];
}

export class AuditChainContentionError extends Error {
  override readonly name = 'AuditChainContentionError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Appends records to the chain, one script call per batch of what this process has queued.
 * `append` resolves true when the record was added, false when its audit key (time, server, id)
 * was already in the trail — a retried append adds no second link.
 */
export class ChainAppender {
  private readonly queue = new Map<string, Pending>();
  private running: Promise<void> | null = null;
  /** The head as this process last saw it; null until the first reply tells it. */
  private head: string | null = null;
  /** Names this writer's claim on the turn. */
  private readonly writer = randomUUID();

  constructor(
    private readonly call: Call,
    private readonly k: AuditLogKeys,
    private readonly events: string,
  ) {}

  append(action: Action, eventJson: string): Promise<boolean> {
    const member = auditKey(action);
    return new Promise<boolean>((resolve, reject) => {
      const queued = this.queue.get(member);
      // The same record twice before it is written: one record, and the later callers get false.
      if (queued) queued.waiters.push({ resolve, reject });
      else this.queue.set(member, { member, text: canonicalAction(action), eventJson, serverKey: this.k.byServer(action.serverId), waiters: [{ resolve, reject }] });
      this.running ??= this.drain();
    });
  }

  /** Resolves once everything queued so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.size) {
        const batch: Pending[] = [];
        let chars = 0;
        for (const p of this.queue.values()) {
          const size = p.text.length + p.eventJson.length;
          if (batch.length && (batch.length >= BATCH_RECORDS || chars + size > BATCH_CHARS)) break;
          batch.push(p);
          chars += size;
        }
        for (const p of batch) this.queue.delete(p.member);
        try {
          const added = await this.commit(batch);
          for (const p of batch) p.waiters.forEach((w, i) => w.resolve(added.has(p) && i === 0));
        } catch (err) {
          this.head = null; // Unknown after a failed call: the next reply tells it again.
          for (const p of batch) for (const w of p.waiters) w.reject(err as Error);
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Writes the batch as the next links of the chain; returns the records added (the rest were there). */
  private async commit(batch: Pending[]): Promise<Set<Pending>> {
    let records = batch;
    let lost = 0;
    let waited = false;
    const waitUntil = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      if (records.length === 0) return new Set();
      const base = parsePoint(this.head) ?? { seq: 0, hash: GENESIS_HASH };
      const k = this.k;
      const fixed = [k.data, k.index, k.seq, k.link, k.head, k.pruned, k.anchor, k.unchained, this.events, k.turn];
      const servers = keySlots(fixed.length);
      const argv: Array<string | number> = [this.head ?? '?', '', EVENT_RETAIN_COUNT, this.writer, lost >= CLAIM_AFTER ? '1' : '0'];
      let prev = base.hash;
      let seq = base.seq;
      for (const r of records) {
        const hash = auditChainHash(prev, r.text);
        seq += 1;
        argv.push(r.member, r.text, r.eventJson, seq, `${seq}:${prev}:${hash}`, servers.slot(r.serverKey));
        prev = hash;
      }
      const newHead = formatPoint({ seq, hash: prev });
      argv[1] = newHead;
      const reply = (await this.call(fixed.length + servers.keys.length, ...fixed, ...servers.keys, ...argv)) as Array<number | string>;
      if (reply[0] === 1) {
        this.head = newHead;
        return new Set(records);
      }
      if (reply[0] === -2) {
        const there = new Set(reply.slice(1).map(Number));
        records = records.filter((_, i) => !there.has(i));
        continue;
      }
      if (reply[0] === -3) {
        waited = true;
        this.head = String(reply[1]);
        if (Date.now() > waitUntil) {
          throw new AuditChainContentionError(`audit record not appended: waited ${WAIT_LIMIT_MS} ms for other writers' turns at the chain head (${k.head}); retry`);
        }
        // The holder needs one round trip; a little jitter so the waiters do not all come back at once.
        await sleep(Math.random() * 2);
        continue;
      }
      if (reply[0] !== -1) throw new Error(`unexpected reply from the audit append script: ${JSON.stringify(reply)}`);
      const stale = this.head === null || waited;
      waited = false;
      this.head = String(reply[1]);
      // Not a lost race: the first call of this process (it had not seen the head yet), or the first
      // after waiting on another writer's turn (which was bound to move the head).
      if (stale) continue;
      lost += 1;
      if (lost >= MAX_HEAD_ATTEMPTS) {
        throw new AuditChainContentionError(
          `audit record not appended: other writers moved the chain head (${k.head}) ${lost} times in a row while it was being linked; retry`,
        );
      }
      // The reply carried the current head: try again at once; then with a little jitter, so that
      // writers in lockstep spread out; from CLAIM_AFTER on at once again (it claims, then holds the turn).
      if (lost > 1 && lost < CLAIM_AFTER) await sleep(Math.random() * 2 ** lost);
    }
  }
}
