import type { Database, Statement } from 'better-sqlite3';
import { severityRank, type StoredAlert } from '@driftwatch/core';
import { alertScore } from '../alert-filter.js';
import { StoredAlertSchema, decode } from '../codec.js';
import type { AlertFilter } from '../port.js';

interface Row {
  id: string;
  json: string;
}

/**
 * Alerts, with the file store's rules: listing by the alert's own time (newest first, ties by id),
 * at most `maxAlerts` kept (the oldest resolved one goes first, the oldest open one only when none
 * is resolved), and an open-alert pointer per dedup key that follows the last open write.
 */
export class AlertTable {
  private count: number;
  private readonly s: {
    prevKey: Statement<[string], { dedup_key: string }>;
    upsert: Statement<[string, number, string, number, string, string, string]>;
    get: Statement<[string], Row>;
    openByKey: Statement<[string], Row>;
    pointTo: Statement<[string, string]>;
    unpoint: Statement<[string, string]>;
    count: Statement<[], { n: number }>;
    oldestResolved: Statement<[], { id: string }>;
    oldest: Statement<[], { id: string }>;
    remove: Statement<[string]>;
  };

  constructor(
    private readonly db: Database,
    private readonly maxAlerts: number,
  ) {
    this.s = {
      prevKey: db.prepare('SELECT dedup_key FROM alerts WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO alerts (id, time_ms, server_id, severity, status, dedup_key, json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET time_ms = excluded.time_ms, server_id = excluded.server_id,
           severity = excluded.severity, status = excluded.status, dedup_key = excluded.dedup_key, json = excluded.json`,
      ),
      get: db.prepare('SELECT id, json FROM alerts WHERE id = ?'),
      openByKey: db.prepare("SELECT a.id, a.json FROM open_alerts o JOIN alerts a ON a.id = o.alert_id WHERE o.dedup_key = ? AND a.status = 'open'"),
      pointTo: db.prepare('INSERT INTO open_alerts (dedup_key, alert_id) VALUES (?, ?) ON CONFLICT (dedup_key) DO UPDATE SET alert_id = excluded.alert_id'),
      unpoint: db.prepare('DELETE FROM open_alerts WHERE dedup_key = ? AND alert_id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM alerts'),
      oldestResolved: db.prepare("SELECT id FROM alerts WHERE status = 'resolved' ORDER BY time_ms, id LIMIT 1"),
      oldest: db.prepare('SELECT id FROM alerts ORDER BY time_ms, id LIMIT 1'),
      remove: db.prepare('DELETE FROM alerts WHERE id = ?'),
    };
    this.count = this.s.count.get()!.n;
  }

  /** Re-reads the cached row count (after a rolled-back batch). */
  reload(): void {
    this.count = this.s.count.get()!.n;
  }

  has(id: string): boolean {
    return this.s.prevKey.get(id) !== undefined;
  }

  /** Writes (inserts or overwrites) an alert; evicts one when over the bound. Inside a transaction. */
  put(stored: StoredAlert): void {
    const a = stored.alert;
    const prevKey = this.s.prevKey.get(a.id)?.dedup_key;
    this.s.upsert.run(a.id, alertScore(stored), a.serverId, severityRank(a.severity), stored.status, a.dedupKey, JSON.stringify(stored));
    if (prevKey !== undefined && prevKey !== a.dedupKey) this.s.unpoint.run(prevKey, a.id);
    if (stored.status === 'open') this.s.pointTo.run(a.dedupKey, a.id);
    else this.s.unpoint.run(a.dedupKey, a.id);
    if (prevKey === undefined) this.count++;
    if (this.count > this.maxAlerts) this.evictOne();
  }

  private evictOne(): void {
    const victim = this.s.oldestResolved.get() ?? this.s.oldest.get();
    if (!victim) return;
    // open_alerts rows pointing at it go with it (ON DELETE CASCADE).
    if (this.s.remove.run(victim.id).changes > 0) this.count--;
  }

  get(id: string): StoredAlert | null {
    const row = this.s.get.get(id);
    return row ? decode(`alert ${row.id}`, row.json, StoredAlertSchema) : null;
  }

  openByDedupKey(dedupKey: string): StoredAlert | null {
    const row = this.s.openByKey.get(dedupKey);
    return row ? decode(`alert ${row.id}`, row.json, StoredAlertSchema) : null;
  }

  /** Newest first; the filter's columns are indexed, so sparse filters walk an index, not the table. */
  list(filter: AlertFilter | undefined, limit: number): StoredAlert[] {
    if (limit <= 0) return [];
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter?.serverId !== undefined) {
      where.push('server_id = ?');
      args.push(filter.serverId);
    }
    if (filter?.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter?.minSeverity !== undefined) {
      where.push('severity >= ?');
      args.push(severityRank(filter.minSeverity));
    }
    const sql = `SELECT id, json FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ms DESC, id DESC LIMIT ?`;
    // Eight shapes of query at most, each prepared once (better-sqlite3 keeps no statement cache).
    const stmt = this.listStatement(sql);
    return (stmt.all(...args, limit) as Row[]).map((r) => decode(`alert ${r.id}`, r.json, StoredAlertSchema));
  }

  private readonly listStatements = new Map<string, Statement>();
  private listStatement(sql: string): Statement {
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }
}
