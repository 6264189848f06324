import type { Database, Statement } from 'better-sqlite3';
import {
  SEVERITIES,
  DeliveryRecordSchema,
  IncidentRecordSchema,
  SilenceSchema,
  deliveryIsOpen,
  incidentNeedsAttention,
  severityRank,
  type DeliveryRecord,
  type IncidentRecord,
  type Silence,
} from '@driftwatch/core';
import { decode } from '../codec.js';
import { incidentChange, type IncidentChange } from '../events/incident-event.js';
import { incidentScore } from '../incident-filter.js';
import { MAX_SILENCES, type IncidentFilter } from '../incidents-port.js';

type Row = { json: string };

/**
 * Incidents, silences and deliveries, with the file store's rules: compare-and-set on the
 * version, one unresolved incident per group key, at most `maxIncidents` kept (the oldest one with
 * no work left goes, with its deliveries; one with work left never does). Every method that
 * writes runs inside the caller's transaction.
 */
export class IncidentTables {
  private count: number;
  private readonly s: {
    get: Statement<[string], Row>;
    version: Statement<[string], { version: number; status: IncidentRecord['status']; severity: number }>;
    openByGroup: Statement<[string], Row & { id: string }>;
    groupHolder: Statement<[string], { incident_id: string }>;
    upsert: Statement<[string, number, string, string, number, number, number, string]>;
    pointTo: Statement<[string, string]>;
    unpoint: Statement<[string, string]>;
    attention: Statement<[number], Row>;
    count: Statement<[], { n: number }>;
    oldestIdle: Statement<[], { id: string }>;
    removeIncident: Statement<[string]>;
    removeDeliveriesOf: Statement<[string]>;
    silenceExists: Statement<[string]>;
    silenceCount: Statement<[], { n: number }>;
    putSilence: Statement<[string, string, string]>;
    getSilence: Statement<[string], Row>;
    listSilences: Statement<[number], Row>;
    deleteSilence: Statement<[string]>;
    deliveryExists: Statement<[string]>;
    putDelivery: Statement<[string, string, number, string, number, string]>;
    getDelivery: Statement<[string], Row>;
    deliveriesOf: Statement<[string], Row>;
    openDeliveries: Statement<[number], Row>;
  };
  private readonly listStatements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly maxIncidents: number,
  ) {
    this.s = {
      get: db.prepare('SELECT json FROM incidents WHERE id = ?'),
      version: db.prepare('SELECT version, status, severity FROM incidents WHERE id = ?'),
      openByGroup: db.prepare("SELECT i.id, i.json FROM open_incidents o JOIN incidents i ON i.id = o.incident_id WHERE o.group_key = ? AND i.status != 'resolved'"),
      groupHolder: db.prepare('SELECT incident_id FROM open_incidents WHERE group_key = ?'),
      upsert: db.prepare(
        `INSERT INTO incidents (id, opened_ms, server_id, status, severity, version, attention, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET opened_ms = excluded.opened_ms, server_id = excluded.server_id, status = excluded.status,
           severity = excluded.severity, version = excluded.version, attention = excluded.attention, json = excluded.json`,
      ),
      pointTo: db.prepare('INSERT INTO open_incidents (group_key, incident_id) VALUES (?, ?) ON CONFLICT (group_key) DO UPDATE SET incident_id = excluded.incident_id'),
      unpoint: db.prepare('DELETE FROM open_incidents WHERE group_key = ? AND incident_id = ?'),
      attention: db.prepare('SELECT json FROM incidents WHERE attention = 1 ORDER BY opened_ms, id LIMIT ?'),
      count: db.prepare('SELECT count(*) AS n FROM incidents'),
      oldestIdle: db.prepare('SELECT id FROM incidents WHERE attention = 0 ORDER BY opened_ms, id LIMIT 1'),
      removeIncident: db.prepare('DELETE FROM incidents WHERE id = ?'),
      removeDeliveriesOf: db.prepare('DELETE FROM deliveries WHERE incident_id = ?'),
      silenceExists: db.prepare('SELECT 1 FROM silences WHERE id = ?'),
      silenceCount: db.prepare('SELECT count(*) AS n FROM silences'),
      putSilence: db.prepare('INSERT INTO silences (id, created_at, json) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, json = excluded.json'),
      getSilence: db.prepare('SELECT json FROM silences WHERE id = ?'),
      listSilences: db.prepare('SELECT json FROM silences ORDER BY created_at DESC, id DESC LIMIT ?'),
      deleteSilence: db.prepare('DELETE FROM silences WHERE id = ?'),
      deliveryExists: db.prepare('SELECT 1 FROM deliveries WHERE key = ?'),
      putDelivery: db.prepare(
        `INSERT INTO deliveries (key, incident_id, seq, receiver, open, json) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET incident_id = excluded.incident_id, seq = excluded.seq, receiver = excluded.receiver,
           open = excluded.open, json = excluded.json`,
      ),
      getDelivery: db.prepare('SELECT json FROM deliveries WHERE key = ?'),
      deliveriesOf: db.prepare('SELECT json FROM deliveries WHERE incident_id = ? ORDER BY seq, receiver'),
      openDeliveries: db.prepare('SELECT json FROM deliveries WHERE open = 1 LIMIT ?'),
    };
    this.count = this.s.count.get()!.n;
  }

  reload(): void {
    this.count = this.s.count.get()!.n;
  }

  private incident(json: string, key: string): IncidentRecord {
    return decode(`incident ${key}`, json, IncidentRecordSchema);
  }

  get(id: string): IncidentRecord | null {
    const row = this.s.get.get(id);
    return row ? this.incident(row.json, id) : null;
  }

  openByGroupKey(groupKey: string): IncidentRecord | null {
    const row = this.s.openByGroup.get(groupKey);
    return row ? this.incident(row.json, row.id) : null;
  }

  /**
   * Compare-and-set (see IncidentStatePort.putIncident), inside a transaction. Also says which
   * `incident` event the write makes (events/incident-event.ts), from the stored status and
   * severity columns: the previous record itself is never decoded.
   */
  put(record: IncidentRecord, expectedVersion: number): { stored: IncidentRecord; change: IncidentChange | null } | null {
    const row = this.s.version.get(record.id);
    const current = row?.version ?? 0;
    if (current !== expectedVersion) return null;
    if (expectedVersion === 0 && record.status !== 'resolved') {
      const holder = this.s.groupHolder.get(record.groupKey)?.incident_id;
      if (holder !== undefined && holder !== record.id) return null;
    }
    const next = { ...record, version: expectedVersion + 1 };
    this.write(next, current === 0);
    const before = row ? { status: row.status, severity: SEVERITIES[row.severity] ?? 'info' } : null;
    return { stored: next, change: incidentChange(before, next) };
  }

  /** Writes a record as it is (the migration's path; put() for everything else). */
  write(r: IncidentRecord, isNew: boolean): void {
    this.s.upsert.run(r.id, incidentScore(r), r.serverId, r.status, severityRank(r.severity), r.version, incidentNeedsAttention(r) ? 1 : 0, JSON.stringify(r));
    if (r.status !== 'resolved') this.s.pointTo.run(r.groupKey, r.id);
    else this.s.unpoint.run(r.groupKey, r.id);
    if (isNew) this.count++;
    if (this.count > this.maxIncidents) this.evictOne();
  }

  private evictOne(): void {
    const victim = this.s.oldestIdle.get();
    if (!victim) return;
    this.s.removeDeliveriesOf.run(victim.id);
    // Its open_incidents pointer goes with it (ON DELETE CASCADE).
    if (this.s.removeIncident.run(victim.id).changes > 0) this.count--;
  }

  list(filter: IncidentFilter | undefined, limit: number): IncidentRecord[] {
    if (limit <= 0) return [];
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter?.serverId !== undefined) {
      where.push('server_id = ?');
      args.push(filter.serverId);
    }
    if (filter?.status === 'active') where.push("status != 'resolved'");
    else if (filter?.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter?.minSeverity !== undefined) {
      where.push('severity >= ?');
      args.push(severityRank(filter.minSeverity));
    }
    if (filter?.before) {
      where.push('(opened_ms < ? OR (opened_ms = ? AND id < ?))');
      const score = incidentScore(filter.before);
      args.push(score, score, filter.before.id);
    }
    const sql = `SELECT id, json FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_ms DESC, id DESC LIMIT ?`;
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare(sql)));
    return (stmt.all(...args, limit) as Array<{ id: string; json: string }>).map((r) => this.incident(r.json, r.id));
  }

  needingAttention(limit: number): IncidentRecord[] {
    return this.s.attention.all(Math.max(0, limit)).map((r) => decode('incident', r.json, IncidentRecordSchema));
  }

  putSilence(silence: Silence): void {
    if (!this.s.silenceExists.get(silence.id) && this.s.silenceCount.get()!.n >= MAX_SILENCES) {
      throw new RangeError(`at most ${MAX_SILENCES} silences are kept; delete expired ones first`);
    }
    this.s.putSilence.run(silence.id, silence.createdAt, JSON.stringify(silence));
  }

  getSilence(id: string): Silence | null {
    const row = this.s.getSilence.get(id);
    return row ? decode(`silence ${id}`, row.json, SilenceSchema) : null;
  }

  listSilences(): Silence[] {
    return this.s.listSilences.all(MAX_SILENCES).map((r) => decode('silence', r.json, SilenceSchema));
  }

  deleteSilence(id: string): Silence | null {
    const s = this.getSilence(id);
    if (s) this.s.deleteSilence.run(id);
    return s;
  }

  createDelivery(d: DeliveryRecord): boolean {
    if (this.s.deliveryExists.get(d.key)) return false;
    this.putDelivery(d);
    return true;
  }

  putDelivery(d: DeliveryRecord): void {
    this.s.putDelivery.run(d.key, d.incidentId, d.seq, d.receiver, deliveryIsOpen(d) ? 1 : 0, JSON.stringify(d));
  }

  getDelivery(key: string): DeliveryRecord | null {
    const row = this.s.getDelivery.get(key);
    return row ? decode(`delivery ${key}`, row.json, DeliveryRecordSchema) : null;
  }

  deliveriesOf(incidentId: string): DeliveryRecord[] {
    return this.s.deliveriesOf.all(incidentId).map((r) => decode(`delivery of ${incidentId}`, r.json, DeliveryRecordSchema));
  }

  openDeliveries(limit: number): DeliveryRecord[] {
    return this.s.openDeliveries.all(Math.max(0, limit)).map((r) => decode('delivery', r.json, DeliveryRecordSchema));
  }
}
