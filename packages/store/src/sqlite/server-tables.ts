import type { Database, Statement } from 'better-sqlite3';
import type { QuarantineRecord, ServerState } from '@driftwatch/core';
import { OpenFindingsSchema, QuarantineRecordSchema, ServerStateSchema, decode, patchEntries } from '../codec.js';
import type { JsonBlob, OpenFinding } from '../port.js';

type PlainState = Omit<ServerState, 'quarantine'>;
type Patch = Partial<Omit<ServerState, 'serverId' | 'quarantine'>>;

/**
 * Per-server state: the polled state, the quarantine (its own table: the one record that must
 * never be lost or overwritten by a state patch), the latest snapshot and baseline as JSON text,
 * and the open findings. Writers run inside the caller's transaction.
 */
export class ServerTables {
  private readonly s: {
    getState: Statement<[string], { state: string }>;
    putState: Statement<[string, string]>;
    getQuarantine: Statement<[string], { record: string }>;
    insertQuarantine: Statement<[string, string]>;
    deleteQuarantine: Statement<[string]>;
    countQuarantined: Statement<[], { n: number }>;
    listStates: Statement<[], { id: string; state: string | null; record: string | null }>;
    getBlob: { snap: Statement<[string], JsonBlob>; base: Statement<[string], JsonBlob> };
    getBaselineFingerprint: Statement<[string], { fingerprint: string }>;
    putBlob: { snap: Statement<[string, string, string]>; base: Statement<[string, string, string]> };
    getFindings: Statement<[string], { json: string }>;
    putFindings: Statement<[string, string]>;
    deleteFindings: Statement<[string]>;
  };

  constructor(db: Database) {
    const blobPut = (table: string) =>
      db.prepare<[string, string, string]>(
        `INSERT INTO ${table} (server_id, fingerprint, json) VALUES (?, ?, ?) ON CONFLICT (server_id) DO UPDATE SET fingerprint = excluded.fingerprint, json = excluded.json`,
      );
    this.s = {
      getState: db.prepare('SELECT state FROM servers WHERE id = ?'),
      putState: db.prepare('INSERT INTO servers (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state'),
      getQuarantine: db.prepare('SELECT record FROM quarantines WHERE server_id = ?'),
      insertQuarantine: db.prepare('INSERT INTO quarantines (server_id, record) VALUES (?, ?) ON CONFLICT (server_id) DO NOTHING'),
      deleteQuarantine: db.prepare('DELETE FROM quarantines WHERE server_id = ?'),
      countQuarantined: db.prepare('SELECT count(*) AS n FROM quarantines'),
      listStates: db.prepare(
        `SELECT ids.id AS id, s.state AS state, q.record AS record
         FROM (SELECT id FROM servers UNION SELECT server_id AS id FROM quarantines) AS ids
         LEFT JOIN servers s ON s.id = ids.id LEFT JOIN quarantines q ON q.server_id = ids.id ORDER BY ids.id`,
      ),
      getBlob: {
        snap: db.prepare('SELECT fingerprint, json FROM snapshots WHERE server_id = ?'),
        base: db.prepare('SELECT fingerprint, json FROM baselines WHERE server_id = ?'),
      },
      putBlob: { snap: blobPut('snapshots'), base: blobPut('baselines') },
      getBaselineFingerprint: db.prepare('SELECT fingerprint FROM baselines WHERE server_id = ?'),
      getFindings: db.prepare('SELECT json FROM findings WHERE server_id = ?'),
      putFindings: db.prepare('INSERT INTO findings (server_id, json) VALUES (?, ?) ON CONFLICT (server_id) DO UPDATE SET json = excluded.json'),
      deleteFindings: db.prepare('DELETE FROM findings WHERE server_id = ?'),
    };
  }

  private compose(serverId: string, stateJson: string | null | undefined, recordJson: string | null | undefined): ServerState | null {
    if (stateJson == null && recordJson == null) return null;
    const plain = stateJson == null ? { serverId } : decode(`server ${serverId}`, stateJson, ServerStateSchema);
    const quarantine = recordJson == null ? undefined : decode(`quarantine ${serverId}`, recordJson, QuarantineRecordSchema);
    return { ...plain, serverId, ...(quarantine ? { quarantine } : {}) };
  }

  state(serverId: string): ServerState | null {
    return this.compose(serverId, this.s.getState.get(serverId)?.state, this.s.getQuarantine.get(serverId)?.record);
  }

  list(): ServerState[] {
    return this.s.listStates.all().map((r) => this.compose(r.id, r.state, r.record)!);
  }

  /** Merges the patch (undefined deletes a field); inside a transaction. */
  update(serverId: string, patch: Patch): void {
    const raw = this.s.getState.get(serverId)?.state;
    const next: Record<string, unknown> = { ...(raw ? (decode(`server ${serverId}`, raw, ServerStateSchema) as PlainState) : {}), serverId };
    for (const [field, value] of patchEntries(patch)) {
      if (value === undefined) delete next[field];
      else next[field] = value;
    }
    this.s.putState.run(serverId, JSON.stringify(next));
  }

  /** Writes a whole state as it is (the migration's path). */
  writeState(state: PlainState): void {
    this.s.putState.run(state.serverId, JSON.stringify(state));
  }

  quarantine(serverId: string): QuarantineRecord | null {
    const raw = this.s.getQuarantine.get(serverId)?.record;
    return raw === undefined ? null : decode(`quarantine ${serverId}`, raw, QuarantineRecordSchema);
  }

  /** Set-if-absent: true when this call quarantined the server. */
  setQuarantine(serverId: string, record: QuarantineRecord): boolean {
    return this.s.insertQuarantine.run(serverId, JSON.stringify(record)).changes > 0;
  }

  deleteQuarantine(serverId: string): void {
    this.s.deleteQuarantine.run(serverId);
  }

  countQuarantined(): number {
    return this.s.countQuarantined.get()!.n;
  }

  getBlob(kind: 'snap' | 'base', serverId: string): JsonBlob | null {
    const row = this.s.getBlob[kind].get(serverId);
    return row ? { fingerprint: row.fingerprint, json: row.json } : null;
  }

  baselineFingerprint(serverId: string): string | null {
    return this.s.getBaselineFingerprint.get(serverId)?.fingerprint ?? null;
  }

  /**
   * The one large write: a snapshot can be megabytes of text, copied into the WAL at the batch's
   * commit, synchronously on the event loop (the fsync that follows is not: wal-sync.ts; see
   * test/bench/sqlite-bench.ts for the cost per MiB). The text is stored as given, never parsed or re-serialised here.
   */
  putBlob(kind: 'snap' | 'base', serverId: string, blob: JsonBlob): void {
    this.s.putBlob[kind].run(serverId, blob.fingerprint, blob.json);
  }

  findings(serverId: string): Record<string, OpenFinding> {
    const raw = this.s.getFindings.get(serverId)?.json;
    return raw === undefined ? {} : decode(`findings ${serverId}`, raw, OpenFindingsSchema);
  }

  putFindings(serverId: string, findings: Record<string, OpenFinding>): void {
    if (Object.keys(findings).length) this.s.putFindings.run(serverId, JSON.stringify(findings));
    else this.s.deleteFindings.run(serverId);
  }
}
