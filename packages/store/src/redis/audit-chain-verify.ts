import type { Redis } from 'ioredis';
import { auditKey, parseAuditKey } from '../audit/audit-key.js';
import { GENESIS_HASH, checkChainedText, headProblem, type AuditChainBreak, type AuditChainReport } from '../audit/chain.js';
import { parseLink, parsePoint, parseTombstone, type ChainPoint } from './audit-chain.js';
import type { AuditLogKeys } from './audit-log.js';

/*
 * Walks the Redis audit chain (audit-chain.ts) in append order from the anchor, a page at a time,
 * and names the first record that does not verify, as the SQLite store does (sqlite/audit-verify.ts).
 *
 * Entries without a link were written before the chain existed (an older version, or copied from
 * the legacy lists): nothing can verify them, so they are skipped and only counted
 * (`unchainedLegacy`); the chain starts after them at seq 1. The store counted them when the chain
 * started (auditlog:unchained) and counts the ones copied in later, so more unlinked entries than that
 * — inserted by hand, or appended by a replica of an older version during a rolling upgrade — is a
 * break too.
 */

/** Records per page: what one walk step reads, in two round trips. */
const PAGE = 1_000;
/** Pages read again because retention removed records under the walk, before giving up. */
const MAX_RESTARTS = 20;

export interface RedisAuditChainReport extends AuditChainReport {
  /** Entries without a link that belong in the trail (from before the chain): not verified. */
  unchainedLegacy: number;
}

interface Snapshot {
  anchor: string | null;
  head: string | null;
  live: Array<{ member: string; seq: number }>;
  gone: Array<{ member: string; seq: number }>;
  entries: number;
  linked: number;
  legacy: number;
}

interface Row {
  member: string;
  seq: number;
  text: string | null;
  link: string | null;
  stillLinked: boolean;
  inIndex: boolean;
  inServerIndex: boolean;
}

function pairs(flat: string[]): Array<{ member: string; seq: number }> {
  const out: Array<{ member: string; seq: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i]!, seq: Number(flat[i + 1]) });
  return out;
}

function results(res: Array<[Error | null, unknown]> | null): unknown[] {
  if (!res) throw new Error('audit chain read was aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Positions after `afterSeq`, with what the final checks need, in one transaction (a consistent view). */
async function readSnapshot(redis: Redis, k: AuditLogKeys, afterSeq: number): Promise<Snapshot> {
  const [anchor, head, live, gone, entries, linked, legacy] = results(
    await redis
      .multi()
      .get(k.anchor)
      .get(k.head)
      .zrangebyscore(k.seq, `(${afterSeq}`, '+inf', 'WITHSCORES', 'LIMIT', 0, PAGE)
      .zrangebyscore(k.pruned, `(${afterSeq}`, '+inf', 'WITHSCORES', 'LIMIT', 0, PAGE)
      .zcard(k.index)
      .zcard(k.seq)
      .get(k.unchained)
      .exec(),
  );
  return {
    anchor: anchor as string | null,
    head: head as string | null,
    live: pairs(live as string[]),
    gone: pairs(gone as string[]),
    entries: Number(entries),
    linked: Number(linked),
    legacy: Number(legacy ?? 0) || 0,
  };
}

/** The records of a page, with whether they are still in the chain and in the listings' indexes. */
async function readRows(redis: Redis, k: AuditLogKeys, live: Array<{ member: string; seq: number }>): Promise<Row[]> {
  const members = live.map((r) => r.member);
  const byServer = new Map<string, number[]>();
  live.forEach((r, i) => {
    const key = k.byServer(parseAuditKey(r.member).serverId);
    byServer.set(key, [...(byServer.get(key) ?? []), i]);
  });
  const tx = redis.multi().hmget(k.data, ...members).hmget(k.link, ...members).zmscore(k.seq, ...members).zmscore(k.index, ...members);
  for (const [key, idx] of byServer) tx.zmscore(key, ...idx.map((i) => members[i]!));
  const [texts, links, seqs, inIndex, ...perServer] = results(await tx.exec()) as Array<Array<string | null>>;
  const inServerIndex = new Array<boolean>(members.length).fill(false);
  [...byServer.values()].forEach((idx, s) => idx.forEach((i, j) => (inServerIndex[i] = perServer[s]![j] !== null)));
  return live.map((r, i) => ({
    member: r.member,
    seq: r.seq,
    text: texts![i] ?? null,
    link: links![i] ?? null,
    stillLinked: seqs![i] !== null,
    inIndex: inIndex![i] !== null,
    inServerIndex: inServerIndex[i]!,
  }));
}

function parseLoosely(text: string): { id?: unknown; time?: unknown; serverId?: unknown } | null {
  try {
    return JSON.parse(text) as { id?: unknown; time?: unknown; serverId?: unknown } | null;
  } catch {
    return null; // Named by its key only.
  }
}

/** Action id, time and server of a record, from its content when readable, else from its key. */
function describe(member: string, text: string | null, seq: number | null, problem: string): AuditChainBreak {
  const parsed = text === null ? null : parseLoosely(text);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const key = parseAuditKey(member);
  const serverEnd = member.indexOf(':', 14);
  const keyTime = Number.isFinite(key.timeMs) && serverEnd > 0 ? new Date(key.timeMs).toISOString() : null;
  return {
    seq,
    actionId: str(parsed?.id) ?? (serverEnd > 0 ? member.slice(serverEnd + 1) : null),
    time: str(parsed?.time) ?? keyTime,
    serverId: str(parsed?.serverId) ?? (serverEnd > 0 ? key.serverId : null),
    problem,
  };
}

/** Why a record does not verify against the point before it, or null when it does. */
function checkRow(row: Row, prev: ChainPoint): string | null {
  if (row.link === null) return row.text === null ? 'content and chain link are missing (only its position is left)' : 'its chain link is missing';
  const link = parseLink(row.link);
  if (!link) return 'its chain link is unreadable';
  if (link.seq !== row.seq) return `its chain link says record ${link.seq}, but it sits at position ${row.seq}`;
  if (link.prevHash !== prev.hash) {
    return row.seq - prev.seq > 1
      ? `records ${prev.seq + 1}..${row.seq - 1} are missing (the chain link from record ${prev.seq} is broken)`
      : `does not link to record ${prev.seq}: it, or the record before it, was altered`;
  }
  if (row.seq !== prev.seq + 1) return `links to record ${prev.seq} but is numbered ${row.seq}: the chain was renumbered`;
  if (row.text === null) return 'content is missing (deleted; its chain link is left)';
  const checked = checkChainedText(link.prevHash, row.text, link.hash);
  if ('problem' in checked) return checked.problem;
  if (auditKey(checked.action) !== row.member) return 'its key (time, server, id) does not match its content';
  if (!row.inIndex) return 'missing from the audit index: the trail listing hides it';
  if (!row.inServerIndex) return "missing from its server's audit index: the server's listing hides it";
  return null;
}

/**
 * Walks the chain from the anchor. Records retention removed but did not fold into the anchor yet
 * (tombstones) are taken at their recorded hash, and must be older than `retentionCutoffMs` when
 * it is given: removing a recent record is deletion, not retention.
 */
export async function verifyRedisAuditChain(redis: Redis, k: AuditLogKeys, options: { retentionCutoffMs?: number } = {}): Promise<RedisAuditChainReport> {
  const genesis: ChainPoint = { seq: 0, hash: GENESIS_HASH };
  let snap = await readSnapshot(redis, k, 0);
  let checked = 0;
  let restarts = 0;
  const report = (firstBreak: AuditChainBreak | null): RedisAuditChainReport => ({
    ok: firstBreak === null,
    checked,
    anchor: parsePoint(snap.anchor) ?? genesis,
    head: parsePoint(snap.head) ?? genesis,
    firstBreak,
    unchainedLegacy: Math.min(snap.legacy, Math.max(0, snap.entries - snap.linked)),
  });
  const unreadable = (what: string, key: string, value: string) =>
    report({ seq: null, actionId: null, time: null, serverId: null, problem: `the chain's ${what} (${key}) is unreadable: ${JSON.stringify(value.slice(0, 200))}` });

  if (snap.anchor !== null && !parsePoint(snap.anchor)) return unreadable('anchor', k.anchor, snap.anchor);
  let prev: ChainPoint = parsePoint(snap.anchor) ?? genesis;
  if (prev.seq > 0) snap = await readSnapshot(redis, k, prev.seq);
  for (;;) {
    // Retention may have folded records past our position into the anchor since the last page.
    const nowAnchor = parsePoint(snap.anchor);
    if (nowAnchor && nowAnchor.seq > prev.seq) {
      prev = nowAnchor;
      snap = await readSnapshot(redis, k, prev.seq);
      continue;
    }
    if (snap.live.length === 0 && snap.gone.length === 0) break;
    const rows = await readRows(redis, k, snap.live);
    // A record that left the chain between the two reads was pruned meanwhile: read the page again.
    if (rows.some((r) => !r.stillLinked)) {
      if (++restarts > MAX_RESTARTS) throw new Error(`audit chain verify: retention kept removing records under the walk at record ${prev.seq}; try again`);
      snap = await readSnapshot(redis, k, prev.seq);
      continue;
    }
    // Merge by seq, up to the end of the shorter full page (beyond it the other one is unread).
    const lastOf = (list: Array<{ seq: number }>) => (list.length === PAGE ? list[list.length - 1]!.seq : Infinity);
    const limit = Math.min(lastOf(snap.live), lastOf(snap.gone));
    let i = 0;
    let j = 0;
    for (;;) {
      const r = rows[i];
      const g = snap.gone[j];
      const takeLive = r !== undefined && r.seq <= limit && (g === undefined || r.seq < g.seq);
      const takeGone = !takeLive && g !== undefined && g.seq <= limit;
      if (takeLive) {
        const problem = checkRow(r, prev);
        if (problem) return report(describe(r.member, r.text, r.seq, problem));
        prev = { seq: r.seq, hash: parseLink(r.link)!.hash };
        checked++;
        i++;
      } else if (takeGone) {
        const { hash, key } = parseTombstone(g.member);
        if (options.retentionCutoffMs !== undefined && parseAuditKey(key).timeMs >= options.retentionCutoffMs) {
          return report(describe(key, null, g.seq, 'removed although it is within the retention period'));
        }
        prev = { seq: g.seq, hash };
        j++;
      } else break;
    }
    snap = await readSnapshot(redis, k, prev.seq);
  }
  // `snap` read the end of the chain and the head together: an append meanwhile is in both or neither.
  if (snap.head !== null && !parsePoint(snap.head)) return unreadable('head', k.head, snap.head);
  const head = parsePoint(snap.head) ?? genesis;
  const problem = headProblem(head, prev);
  if (problem) return report({ seq: head.seq, actionId: null, time: null, serverId: null, problem });
  const unlinked = snap.entries - snap.linked;
  if (unlinked > snap.legacy) {
    return report({
      seq: null,
      actionId: null,
      time: null,
      serverId: null,
      problem: `${unlinked - snap.legacy} entries of the trail carry no chain link beyond the ${snap.legacy} from before the chain started: inserted by hand, or appended by a replica of an older version`,
    });
  }
  return report(null);
}
