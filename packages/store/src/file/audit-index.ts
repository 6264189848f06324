import type { Action } from '@driftwatch/core';
import { auditKey, keyRange, parseAuditKey, encodeCursor } from '../audit/audit-key.js';
import type { AuditPage, AuditPageQuery } from '../audit/audit-page.js';

interface Entry {
  key: string;
  action: Action;
}

/** Index of the first entry whose key is >= key (entries ascending by key). */
function lowerBound(list: readonly Entry[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(list: Entry[], entry: Entry): void {
  // Actions arrive almost always in time order: appending is the common, O(1) case.
  const last = list[list.length - 1];
  if (!last || last.key < entry.key) list.push(entry);
  else list.splice(lowerBound(list, entry.key), 0, entry);
}

/**
 * The embedded store's audit trail: every entry within the retention, ordered by audit key, with a
 * per-server index. Same order, cursor and dedup rule (one entry per key) as the Redis store.
 */
export class AuditIndex {
  private readonly all: Entry[] = [];
  private readonly byServer = new Map<string, Entry[]>();

  get size(): number {
    return this.all.length;
  }

  has(key: string): boolean {
    return this.all[lowerBound(this.all, key)]?.key === key;
  }

  /** False when an entry with the same key (time, server, id) is already there: a retried append. */
  add(action: Action): boolean {
    const key = auditKey(action);
    if (this.has(key)) return false;
    const entry = { key, action };
    insert(this.all, entry);
    let list = this.byServer.get(action.serverId);
    if (!list) this.byServer.set(action.serverId, (list = []));
    insert(list, entry);
    return true;
  }

  page(q: AuditPageQuery, limit: number): AuditPage {
    const { below, from } = keyRange(q);
    const list = q.serverId === undefined ? this.all : (this.byServer.get(q.serverId) ?? []);
    const out: Entry[] = [];
    let i = below === null ? list.length - 1 : lowerBound(list, below) - 1;
    for (; i >= 0 && out.length <= limit; i--) {
      const e = list[i]!;
      if (from !== null && e.key < from) break;
      out.push(e);
    }
    const more = out.length > limit;
    if (more) out.pop();
    return { actions: out.map((e) => e.action), nextCursor: more && out.length ? encodeCursor(out[out.length - 1]!.key) : null };
  }

  /** Drops up to `max` of the oldest entries older than `cutoffMs`; returns how many. */
  prune(cutoffMs: number, max: number): number {
    let n = 0;
    while (n < max && n < this.all.length && parseAuditKey(this.all[n]!.key).timeMs < cutoffMs) n++;
    if (n === 0) return 0;
    const removed = this.all.splice(0, n);
    // The globally oldest entries are also the oldest of their server: trim each list's head.
    const perServer = new Map<string, number>();
    for (const e of removed) perServer.set(e.action.serverId, (perServer.get(e.action.serverId) ?? 0) + 1);
    for (const [serverId, count] of perServer) {
      const list = this.byServer.get(serverId);
      if (!list) continue;
      list.splice(0, count);
      if (list.length === 0) this.byServer.delete(serverId);
    }
    return n;
  }

  /** Oldest first, for compaction. */
  *actions(): IterableIterator<Action> {
    for (const e of this.all) yield e.action;
  }
}
