import type { Database, Statement } from 'better-sqlite3';
import type { Action } from '@driftwatch/core';
import { auditKey, encodeCursor, keyRange, timePrefix } from '../audit/audit-key.js';
import type { AuditPage, AuditPageQuery } from '../audit/audit-page.js';
import { GENESIS_HASH, auditChainHash, canonicalAction } from '../audit/chain.js';
import { Action as ActionSchema, decode } from '../codec.js';
import { MetaTable } from './meta.js';

export interface ChainPoint {
  seq: number;
  hash: string;
}

export function parsePoint(value: string | null): ChainPoint {
  if (value === null) return { seq: 0, hash: GENESIS_HASH };
  const i = value.indexOf(':');
  return { seq: Number(value.slice(0, i)), hash: value.slice(i + 1) };
}

export const HEAD_KEY = 'audit_head';
export const ANCHOR_KEY = 'audit_anchor';

/**
 * The audit trail with its hash chain (audit/chain.ts). Pages use the same keys and cursors as the
 * other adapters; retention removes rows by time and keeps the chain verifiable (see prune).
 */
export class AuditTable {
  private head: ChainPoint;
  private readonly s: {
    exists: Statement<[string]>;
    insert: Statement<[string, string, string, string, string]>;
    oldRows: Statement<[string, number], { seq: number; key: string; hash: string }>;
    remove: Statement<[number]>;
    tombstone: Statement<[number, string, string]>;
    firstPruned: Statement<[], { seq: number; hash: string }>;
    firstLive: Statement<[], { seq: number | null }>;
    unTombstone: Statement<[number]>;
  };
  private readonly pageStatements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly meta: MetaTable,
  ) {
    this.s = {
      exists: db.prepare('SELECT 1 FROM audit_log WHERE key = ?'),
      insert: db.prepare('INSERT INTO audit_log (key, server_id, action, prev_hash, hash) VALUES (?, ?, ?, ?, ?)'),
      oldRows: db.prepare('SELECT seq, key, hash FROM audit_log WHERE key < ? ORDER BY key LIMIT ?'),
      remove: db.prepare('DELETE FROM audit_log WHERE seq = ?'),
      tombstone: db.prepare('INSERT INTO audit_pruned (seq, key, hash) VALUES (?, ?, ?)'),
      firstPruned: db.prepare('SELECT seq, hash FROM audit_pruned ORDER BY seq LIMIT 1'),
      firstLive: db.prepare('SELECT min(seq) AS seq FROM audit_log'),
      unTombstone: db.prepare('DELETE FROM audit_pruned WHERE seq = ?'),
    };
    this.head = parsePoint(meta.get(HEAD_KEY));
  }

  reload(): void {
    this.head = parsePoint(this.meta.get(HEAD_KEY));
  }

  /** Inside a transaction. False when an entry with this key is already there (a retried append). */
  append(action: Action): boolean {
    const key = auditKey(action);
    if (this.s.exists.get(key)) return false;
    const text = canonicalAction(action);
    const hash = auditChainHash(this.head.hash, text);
    const { lastInsertRowid } = this.s.insert.run(key, action.serverId, text, this.head.hash, hash);
    this.head = { seq: Number(lastInsertRowid), hash };
    this.meta.set(HEAD_KEY, `${this.head.seq}:${hash}`);
    return true;
  }

  /** Newest first; an index range scan on (key) or (server_id, key) whatever the bounds. */
  page(q: AuditPageQuery, limit: number): AuditPage {
    const { below, from } = keyRange(q);
    if (limit <= 0) return { actions: [], nextCursor: null };
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.serverId !== undefined) {
      where.push('server_id = ?');
      args.push(q.serverId);
    }
    if (below !== null) {
      where.push('key < ?');
      args.push(below);
    }
    if (from !== null) {
      where.push('key >= ?');
      args.push(from);
    }
    const sql = `SELECT key, action FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY key DESC LIMIT ?`;
    let stmt = this.pageStatements.get(sql);
    if (!stmt) this.pageStatements.set(sql, (stmt = this.db.prepare(sql)));
    const rows = stmt.all(...args, limit + 1) as Array<{ key: string; action: string }>;
    const more = rows.length > limit;
    if (more) rows.pop();
    return {
      actions: rows.map((r) => decode(`audit ${r.key}`, r.action, ActionSchema)),
      nextCursor: more && rows.length ? encodeCursor(rows[rows.length - 1]!.key) : null,
    };
  }

  /**
   * Inside a transaction: removes up to `max` of the oldest rows older than cutoffMs (by time, never
   * by count). The chain runs in append order, which is not always time order (an old action can
   * arrive late), so a removed row leaves its hash behind in audit_pruned; once every row before it
   * is gone too, it folds into the anchor the remaining chain starts from.
   */
  prune(cutoffMs: number, max: number): number {
    const rows = this.s.oldRows.all(timePrefix(cutoffMs), max);
    for (const r of rows) {
      this.s.remove.run(r.seq);
      this.s.tombstone.run(r.seq, r.key, r.hash);
    }
    this.fold(Math.max(max, rows.length));
    return rows.length;
  }

  private fold(max: number): void {
    const firstLive = this.s.firstLive.get()!.seq;
    let anchor: ChainPoint | null = null;
    for (let i = 0; i < max; i++) {
      const p = this.s.firstPruned.get();
      if (!p || (firstLive !== null && p.seq > firstLive)) break;
      this.s.unTombstone.run(p.seq);
      anchor = p;
    }
    if (anchor) this.meta.set(ANCHOR_KEY, `${anchor.seq}:${anchor.hash}`);
  }
}
