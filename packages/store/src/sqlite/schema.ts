import type { Database } from 'better-sqlite3';

/*
 * The embedded store's schema, as numbered migrations. Each runs once, in its own transaction,
 * and records itself in `schema_version`; a database whose version is newer than the newest
 * migration here was written by a newer Driftwatch and is refused (see open-db.ts).
 *
 * Records are JSON text validated with the store's zod schemas on every read (like the Redis
 * adapter); the columns beside the JSON exist only so that every query a hot path runs is an
 * index lookup or an index range scan, never a table scan.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema: state, alerts, quarantines, claims, audit chain, events, keys, catalog, incidents',
    sql: `
      -- Small named values: store id, audit chain head and anchor, event floor, catalog seed marker.
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

      CREATE TABLE servers (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE quarantines (server_id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
      -- Snapshots and baselines: JSON text as the caller produced it (megabytes; never re-serialised).
      CREATE TABLE snapshots (server_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, json TEXT NOT NULL);
      CREATE TABLE baselines (server_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, json TEXT NOT NULL);
      CREATE TABLE findings (server_id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;

      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        server_id TEXT NOT NULL,
        severity INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        dedup_key TEXT NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX alerts_by_time ON alerts (time_ms, id);
      CREATE INDEX alerts_by_server ON alerts (server_id, time_ms, id);
      CREATE INDEX alerts_by_status ON alerts (status, time_ms, id);
      -- Which alert is the open one for a dedup key (the last one written open), as the file store kept it.
      CREATE TABLE open_alerts (
        dedup_key TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX open_alerts_by_alert ON open_alerts (alert_id);

      CREATE TABLE claims (key TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX claims_by_expiry ON claims (expires_ms);

      CREATE TABLE tool_rejections (
        server_id TEXT NOT NULL,
        tool TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (server_id, tool)
      ) WITHOUT ROWID;

      CREATE TABLE api_keys (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE catalog (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;

      -- The audit trail. seq is the append order the hash chain follows (AUTOINCREMENT: never
      -- reused after retention removed the newest rows); key (time:server:id) orders pages and
      -- makes a retried append a no-op.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        server_id TEXT NOT NULL,
        action TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_by_server ON audit_log (server_id, key);
      -- Hashes of rows retention removed out of append order (an old action appended late), kept
      -- until every row before them is gone too and they fold into the anchor.
      CREATE TABLE audit_pruned (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, hash TEXT NOT NULL);

      -- The live event log: ids are the AUTOINCREMENT rowid, increasing across restarts.
      CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, json TEXT NOT NULL);

      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        opened_ms INTEGER NOT NULL,
        server_id TEXT NOT NULL,
        status TEXT NOT NULL,
        severity INTEGER NOT NULL,
        version INTEGER NOT NULL,
        attention INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX incidents_by_opened ON incidents (opened_ms, id);
      CREATE INDEX incidents_attention ON incidents (opened_ms, id) WHERE attention = 1;
      CREATE INDEX incidents_idle ON incidents (opened_ms, id) WHERE attention = 0;
      CREATE TABLE open_incidents (
        group_key TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX open_incidents_by_incident ON open_incidents (incident_id);
      CREATE TABLE silences (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, json TEXT NOT NULL) WITHOUT ROWID;
      -- No foreign key to incidents: a delivery may be recorded before (or without) its incident.
      CREATE TABLE deliveries (
        key TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        receiver TEXT NOT NULL,
        open INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX deliveries_by_incident ON deliveries (incident_id, seq, receiver);
      CREATE INDEX deliveries_open ON deliveries (key) WHERE open = 1;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The version recorded in the database (0: a new, empty database). */
export function schemaVersion(db: Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies the migrations after `from`, each in its own transaction. */
export function migrate(db: Database, from: number, now: () => Date): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)');
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(m.version, now().toISOString(), m.description);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
