import { mkdirSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import {
  Baseline,
  Snapshot,
  ToolRejection,
  deriveStatus,
  type Action,
  type ApiKeyRecord,
  type CatalogEntry,
  type QuarantineRecord,
  type ServerState,
  type StoredAlert,
} from '@driftwatch/core';
import { AUDIT_CAP, DEFAULT_AUDIT_LIMIT, alertLimit, clampLimit } from '../alert-filter.js';
import { checkApiKeyRecord, withRevocation } from '../api-keys.js';
import {
  AUDIT_PRUNE_BATCH,
  AUDIT_PRUNE_BATCHES_PER_RUN,
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  checkInterval,
  pageLimit,
  retentionMs,
  type AuditPage,
  type AuditPageQuery,
} from '../audit/audit-page.js';
import type { AuditChainReport } from '../audit/chain.js';
import { Action as ActionSchema } from '../codec.js';
import { CorruptValueError, StoreUnavailableError } from '../errors.js';
import { EVENT_RETAIN_MS, actionEvent, alertEvent, encodeNewEvent, statusEvent, type EventBatch, type NewDriftEvent } from '../events/event.js';
import { incidentEvent } from '../events/incident-event.js';
import { checkedEntry } from '../file/catalog.js';
import { acquireDirLock } from '../file/lock.js';
import { incidentLimit } from '../incident-filter.js';
import { startMaintenance, type Maintenance } from '../maintenance.js';
import type { AlertFilter, JsonBlob, OpenFinding, PruneResult, StatePort } from '../port.js';
import { AlertTable } from './alert-table.js';
import { AuditTable } from './audit-table.js';
import { verifyChain } from './audit-verify.js';
import { EventTable } from './event-table.js';
import { GroupCommit } from './group-commit.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { createWalSync, type WalSync } from './wal-sync.js';
import { IncidentTables } from './incident-tables.js';
import { ApiKeyTable, CatalogTable, ClaimTable, ToolRejectionTable } from './keyed-tables.js';
import { MetaTable } from './meta.js';
import { importFileStoreIfPresent, setLegacyFilesAside } from './migrate-file-store.js';
import { openDb } from './open-db.js';
import { ServerTables } from './server-tables.js';

export interface SqliteStoreOptions {
  dir: string;
  logger: Logger;
  /** Alerts kept (most recent; resolved ones are dropped first). Default 10000. */
  maxAlerts?: number;
  /** Incidents kept (resolved ones with nothing left to deliver are dropped first). Default 10000. */
  maxIncidents?: number;
  /** Audit entries older than this are pruned (never by count). Default 400. */
  auditRetentionDays?: number;
  /** How often audit retention, event age and expired claims are enforced; 0 disables the timer. Default 60 s. */
  maintenanceIntervalMs?: number;
  /** Clock for retention and event times. Default: the system clock. */
  now?: () => Date;
  /**
   * A data directory written by the file store (state.jsonl, journal.jsonl) is imported once, then
   * its files are renamed aside. Default true; false refuses such a directory instead.
   */
  importFileStore?: boolean;
}

const CLAIM_SWEEP_BATCH = 1_000;
/** How often the checkpoint thread folds the WAL into the database file (checkpointer.ts). */
const CHECKPOINT_INTERVAL_MS = 1_000;

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  return n;
}

/**
 * The embedded store on SQLite (better-sqlite3): one database file in the data directory, WAL,
 * each write on disk before it resolves (the WAL fsync'd off the event loop: wal-sync.ts; WAL
 * checkpoints on their own thread: checkpointer.ts), one process at a time (the directory's LOCK
 * file). Opening refuses a damaged, emptied or missing database with StoreCorruptError (open-db.ts) instead of starting empty.
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const log = options.logger.child({ component: 'store', adapter: 'sqlite', dir: options.dir });
  const retention = retentionMs(options.auditRetentionDays);
  const maintenanceMs = checkInterval('maintenanceIntervalMs', options.maintenanceIntervalMs, DEFAULT_MAINTENANCE_INTERVAL_MS);
  const maxAlerts = positiveInt('maxAlerts', options.maxAlerts, 10_000);
  const maxIncidents = positiveInt('maxIncidents', options.maxIncidents, 10_000);
  const now = options.now ?? (() => new Date());
  mkdirSync(options.dir, { recursive: true });
  const releaseLock = await acquireDirLock(options.dir, log);
  try {
    const imported = importFileStoreIfPresent(options.dir, log, now, options.importFileStore ?? true);
    const opened = openDb(options.dir, now);
    // A crash between the import and the renames leaves the old files beside the database.
    if (!imported) setLegacyFilesAside(options.dir, log);
    const store = new SqliteStore(opened.db, opened.path, releaseLock, { log, now, retentionMs: retention, maintenanceMs, maxAlerts, maxIncidents });
    // Entries past the retention (a store reopened after a long stop) go before anyone reads.
    const pruned = await store.prune(Number.MAX_SAFE_INTEGER);
    log.info({ file: opened.path, created: opened.created, migrations: opened.migrated, imported, pruned }, 'sqlite store opened');
    return store;
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

interface Runtime {
  log: Logger;
  now: () => Date;
  retentionMs: number;
  maintenanceMs: number;
  maxAlerts: number;
  maxIncidents: number;
}

export class SqliteStore implements StatePort {
  private closed = false;
  /** Leases coordinate live processes, and there is only this one: kept in memory, like the file store's. */
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly eventListeners = new Set<() => void>();
  private readonly writer: GroupCommit;
  private readonly maintenance: Maintenance;
  private readonly meta: MetaTable;
  private readonly servers: ServerTables;
  private readonly alerts: AlertTable;
  private readonly audit: AuditTable;
  private readonly events: EventTable;
  private readonly inc: IncidentTables;
  private readonly claims: ClaimTable;
  private readonly keys: ApiKeyTable;
  private readonly rejections: ToolRejectionTable;
  private readonly catalog: CatalogTable;
  private readonly walSync: WalSync;
  private readonly checkpointer: Checkpointer;

  constructor(
    private readonly db: Database,
    /** The database file (for messages and the backup command). */
    readonly file: string,
    private readonly releaseLock: () => Promise<void>,
    private readonly rt: Runtime,
  ) {
    this.meta = new MetaTable(db);
    this.servers = new ServerTables(db);
    this.alerts = new AlertTable(db, rt.maxAlerts);
    this.audit = new AuditTable(db, this.meta);
    this.events = new EventTable(db, this.meta, rt.log);
    this.inc = new IncidentTables(db, rt.maxIncidents);
    this.claims = new ClaimTable(db);
    this.keys = new ApiKeyTable(db);
    this.rejections = new ToolRejectionTable(db);
    this.catalog = new CatalogTable(db, this.meta);
    this.walSync = createWalSync(file);
    this.writer = new GroupCommit(
      db,
      (err) => {
        rt.log.error({ err: err.message }, 'sqlite commit failed; the writes of its batch were rejected');
        this.reloadCaches();
      },
      () => this.walSync.sync(),
    );
    this.checkpointer = startCheckpointer(db, file, CHECKPOINT_INTERVAL_MS, rt.log);
    this.maintenance = startMaintenance(() => this.prune(), rt.maintenanceMs, rt.log);
  }

  private reloadCaches(): void {
    this.alerts.reload();
    this.audit.reload();
    this.events.reload();
    this.inc.reload();
  }

  private readable(): void {
    if (this.closed) throw new StoreUnavailableError('sqlite store is closed');
  }

  /** Runs `op` synchronously in the current batch's transaction; resolves once the batch is on disk. */
  private write<T>(op: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('sqlite store is closed'));
    return this.writer.write(op);
  }

  private async read<T>(op: () => T): Promise<T> {
    this.readable();
    return op();
  }

  private time(): string {
    return this.rt.now().toISOString();
  }

  /**
   * Records an event in the same transaction as the change it reports. An event that cannot be
   * encoded is logged, never thrown: the change itself stands (as the file store's emitQuietly).
   */
  private emit(event: NewDriftEvent): string | null {
    let json: string;
    const now = this.time();
    try {
      json = encodeNewEvent(event, now);
    } catch (err) {
      this.rt.log.warn({ err: (err as Error).message, type: event.type, serverId: event.serverId }, 'event not recorded');
      return null;
    }
    return this.recordEvent(json, event.time ?? now);
  }

  /** Inside a transaction: stores an encoded event; listeners hear of it once it is committed. */
  private recordEvent(json: string, time: string): string {
    const id = this.events.append(json, Date.parse(time));
    this.writer.afterCommit(() => this.notifyListeners());
    return id;
  }

  private notifyListeners(): void {
    for (const listener of this.eventListeners) {
      try {
        listener();
      } catch (err) {
        this.rt.log.warn({ err: (err as Error).message }, 'event listener threw');
      }
    }
  }

  /** Emits a status event when the derived status of serverId is no longer `before`. */
  private statusChanged(serverId: string, before: ReturnType<typeof deriveStatus>): void {
    const after = deriveStatus(this.servers.state(serverId));
    if (after !== before) this.emit(statusEvent(serverId, before, after, this.time()));
  }

  // Incidents, silences, deliveries (incident-tables.ts).
  getIncident: StatePort['getIncident'] = (id) => this.read(() => this.inc.get(id));
  getOpenIncidentByGroupKey: StatePort['getOpenIncidentByGroupKey'] = (k) => this.read(() => this.inc.openByGroupKey(k));
  putIncident: StatePort['putIncident'] = (r, v) =>
    this.write(() => {
      const put = this.inc.put(r, v);
      // The `incident` event is written in the same transaction as the record.
      if (put?.change) this.emit(incidentEvent(put.stored, put.change, this.time()));
      return put?.stored ?? null;
    });
  listIncidents: StatePort['listIncidents'] = (f) => this.read(() => this.inc.list(f, incidentLimit(f)));
  listIncidentsNeedingAttention: StatePort['listIncidentsNeedingAttention'] = (n = 1000) => this.read(() => this.inc.needingAttention(n));
  putSilence: StatePort['putSilence'] = (s) => this.write(() => this.inc.putSilence(s));
  getSilence: StatePort['getSilence'] = (id) => this.read(() => this.inc.getSilence(id));
  listSilences: StatePort['listSilences'] = () => this.read(() => this.inc.listSilences());
  deleteSilence: StatePort['deleteSilence'] = (id) => this.write(() => this.inc.deleteSilence(id));
  createDelivery: StatePort['createDelivery'] = (d) => this.write(() => this.inc.createDelivery(d));
  putDelivery: StatePort['putDelivery'] = (d) => this.write(() => this.inc.putDelivery(d));
  getDelivery: StatePort['getDelivery'] = (k) => this.read(() => this.inc.getDelivery(k));
  listDeliveries: StatePort['listDeliveries'] = (id) => this.read(() => this.inc.deliveriesOf(id));
  listOpenDeliveries: StatePort['listOpenDeliveries'] = (n = 1000) => this.read(() => this.inc.openDeliveries(n));

  getServerState(serverId: string): Promise<ServerState | null> {
    return this.read(() => this.servers.state(serverId));
  }

  updateServerState(serverId: string, patch: Partial<Omit<ServerState, 'serverId' | 'quarantine'>>): Promise<ServerState> {
    return this.write(() => {
      const before = deriveStatus(this.servers.state(serverId));
      this.servers.update(serverId, patch);
      this.statusChanged(serverId, before);
      return this.servers.state(serverId)!;
    });
  }

  listServerStates(): Promise<ServerState[]> {
    return this.read(() => this.servers.list());
  }

  getLatestSnapshot(serverId: string): Promise<Snapshot | null> {
    return this.read(() => parseBlob(this.servers.getBlob('snap', serverId), Snapshot, `snapshot of ${serverId}`));
  }
  putLatestSnapshot(snapshot: Snapshot): Promise<void> {
    return this.putLatestSnapshotJson(snapshot.serverId, { fingerprint: snapshot.fingerprints.snapshot, json: JSON.stringify(snapshot) });
  }
  getLatestSnapshotJson(serverId: string): Promise<JsonBlob | null> {
    return this.read(() => this.servers.getBlob('snap', serverId));
  }
  putLatestSnapshotJson(serverId: string, blob: JsonBlob): Promise<void> {
    return this.write(() => this.servers.putBlob('snap', serverId, checkBlob('snapshot', serverId, blob)));
  }

  getBaseline(serverId: string): Promise<Baseline | null> {
    return this.read(() => parseBlob(this.servers.getBlob('base', serverId), Baseline, `baseline of ${serverId}`));
  }
  putBaseline(baseline: Baseline): Promise<void> {
    return this.putBaselineJson(baseline.serverId, { fingerprint: baseline.fingerprint, json: JSON.stringify(baseline) });
  }
  getBaselineJson(serverId: string): Promise<JsonBlob | null> {
    return this.read(() => this.servers.getBlob('base', serverId));
  }
  getBaselineFingerprint(serverId: string): Promise<string | null> {
    return this.read(() => this.servers.baselineFingerprint(serverId));
  }
  putBaselineJson(serverId: string, blob: JsonBlob): Promise<void> {
    return this.write(() => this.servers.putBlob('base', serverId, checkBlob('baseline', serverId, blob)));
  }

  getOpenFindings(serverId: string): Promise<Record<string, OpenFinding>> {
    return this.read(() => this.servers.findings(serverId));
  }
  putOpenFindings(serverId: string, findings: Record<string, OpenFinding>): Promise<void> {
    return this.write(() => this.servers.putFindings(serverId, findings));
  }

  insertAlert(alert: StoredAlert): Promise<boolean> {
    return this.write(() => {
      if (this.alerts.has(alert.alert.id)) return false;
      this.alerts.put(alert);
      this.emit(alertEvent(alert, alert.status === 'open' ? 'opened' : 'resolved', this.time()));
      return true;
    });
  }
  putAlert(alert: StoredAlert): Promise<void> {
    return this.write(() => {
      this.alerts.put(alert);
      this.emit(alertEvent(alert, alert.status === 'resolved' ? 'resolved' : 'updated', this.time()));
    });
  }
  getAlert(alertId: string): Promise<StoredAlert | null> {
    return this.read(() => this.alerts.get(alertId));
  }
  getOpenAlertByDedupKey(dedupKey: string): Promise<StoredAlert | null> {
    return this.read(() => this.alerts.openByDedupKey(dedupKey));
  }
  listAlerts(filter?: AlertFilter): Promise<StoredAlert[]> {
    return this.read(() => this.alerts.list(filter, alertLimit(filter)));
  }

  quarantine(serverId: string, record: QuarantineRecord): Promise<boolean> {
    return this.write(() => {
      const before = deriveStatus(this.servers.state(serverId));
      if (!this.servers.setQuarantine(serverId, record)) return false;
      this.statusChanged(serverId, before);
      return true;
    });
  }
  release(serverId: string): Promise<QuarantineRecord | null> {
    return this.write(() => {
      const current = this.servers.quarantine(serverId);
      if (!current) return null;
      this.servers.deleteQuarantine(serverId);
      this.statusChanged(serverId, 'quarantined');
      return current;
    });
  }
  getQuarantine(serverId: string): Promise<QuarantineRecord | null> {
    return this.read(() => this.servers.quarantine(serverId));
  }
  countQuarantined(): Promise<number> {
    return this.read(() => this.servers.countQuarantined());
  }

  claimOnce(key: string, ttlMs: number): Promise<boolean> {
    // Wall clock, because claims survive a restart.
    return this.write(() => this.claims.claim(key, ttlMs, Date.now()));
  }
  isClaimed(key: string): Promise<boolean> {
    return this.read(() => this.claims.isClaimed(key, Date.now()));
  }
  unclaim(key: string): Promise<void> {
    return this.write(() => this.claims.unclaim(key));
  }
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.read(() => {
      const now = performance.now();
      const held = this.leases.get(key);
      if (held && held.until > now && held.owner !== owner) return false;
      this.leases.set(key, { owner, until: now + Math.max(1, ttlMs) });
      if (this.leases.size > 4096) for (const [k, l] of this.leases) if (l.until <= now) this.leases.delete(k);
      return true;
    });
  }

  putToolRejection(rejection: ToolRejection): Promise<void> {
    // Validated here: what is written must read back (a lost rejection unblocks a tool).
    return this.write(() => this.rejections.put(ToolRejection.parse(rejection)));
  }
  deleteToolRejection(serverId: string, tool: string): Promise<boolean> {
    return this.write(() => this.rejections.remove(serverId, tool));
  }
  listToolRejections(serverId?: string): Promise<ToolRejection[]> {
    return this.read(() => this.rejections.list(serverId));
  }

  appendAudit(action: Action): Promise<void> {
    // Validated here, not only on read: what the trail holds must read back after a restart.
    let checked: Action;
    try {
      checked = ActionSchema.parse(action);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => {
      // A retried append of the same action (same time, server and id) is recorded once.
      if (this.audit.append(checked)) this.emit(actionEvent(checked, this.time()));
    });
  }
  async listAudit(limit?: number, serverId?: string): Promise<Action[]> {
    const n = clampLimit(limit, DEFAULT_AUDIT_LIMIT, AUDIT_CAP);
    return (await this.listAuditPage({ limit: n, ...(serverId !== undefined ? { serverId } : {}) })).actions;
  }
  listAuditPage(query: AuditPageQuery): Promise<AuditPage> {
    return this.read(() => this.audit.page(query, pageLimit(query.limit)));
  }

  /** Walks the audit hash chain (audit-verify.ts); the first record that does not verify, if any. */
  verifyAuditChain(): Promise<AuditChainReport> {
    this.readable();
    return verifyChain(this.db, { retentionCutoffMs: this.rt.now().getTime() - this.rt.retentionMs, yieldEvery: () => new Promise((r) => setImmediate(r)) });
  }

  async prune(maxAudit = AUDIT_PRUNE_BATCH * AUDIT_PRUNE_BATCHES_PER_RUN): Promise<PruneResult> {
    // In batches, each its own short transaction, so a large backlog never blocks for long.
    const cutoff = () => this.rt.now().getTime() - this.rt.retentionMs;
    let audit = 0;
    // A store closing mid-run stops here quietly: the next start prunes what is left.
    while (audit < maxAudit && !this.closed) {
      const n = await this.write(() => this.audit.prune(cutoff(), Math.min(AUDIT_PRUNE_BATCH, maxAudit - audit)));
      audit += n;
      if (n === 0) break;
    }
    let events = 0;
    while (!this.closed) {
      const n = await this.write(() => this.events.trimOlderThan(this.rt.now().getTime() - EVENT_RETAIN_MS, AUDIT_PRUNE_BATCH));
      events += n;
      if (n < AUDIT_PRUNE_BATCH) break;
    }
    if (!this.closed) await this.write(() => this.claims.sweep(Date.now(), CLAIM_SWEEP_BATCH));
    return { audit, events };
  }

  appendEvent(event: NewDriftEvent): Promise<string> {
    let json: string;
    const now = this.time();
    try {
      json = encodeNewEvent(event, now);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => this.recordEvent(json, event.time ?? now));
  }

  readEvents(afterId: string | null, limit: number): Promise<EventBatch> {
    return this.read(() => this.events.read(afterId, limit));
  }

  subscribeEvents(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  putApiKey(record: ApiKeyRecord): Promise<void> {
    let v: ApiKeyRecord;
    try {
      v = checkApiKeyRecord(record);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => this.keys.put(v));
  }
  getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return this.read(() => this.keys.get(id));
  }
  listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.read(() => this.keys.list());
  }
  revokeApiKey(id: string, revokedAt: string, revokedBy: string): Promise<ApiKeyRecord | null> {
    return this.write(() => {
      const current = this.keys.get(id);
      if (!current) return null;
      const next = withRevocation(current, revokedAt, revokedBy);
      if (next !== current) this.keys.put(checkApiKeyRecord(next));
      return next;
    });
  }

  listCatalog(): Promise<CatalogEntry[]> {
    return this.read(() => this.catalog.list());
  }
  getCatalogEntry(serverId: string): Promise<CatalogEntry | null> {
    return this.read(() => this.catalog.get(serverId));
  }
  putCatalogEntry(entry: CatalogEntry, options?: { onlyIfAbsent?: boolean }): Promise<boolean> {
    let v: CatalogEntry;
    try {
      v = checkedEntry(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => {
      if (options?.onlyIfAbsent && this.catalog.has(v.id)) return false;
      this.catalog.put(v);
      return true;
    });
  }
  deleteCatalogEntry(serverId: string): Promise<boolean> {
    return this.write(() => this.catalog.remove(serverId));
  }
  catalogSeededAt(): Promise<string | null> {
    return this.read(() => this.catalog.seededAt());
  }
  markCatalogSeeded(at: string): Promise<boolean> {
    return this.write(() => this.catalog.markSeeded(at));
  }

  /**
   * An online copy of the database into `destination` (SQLite's backup API, page by page, while
   * this store keeps serving). Resolves when the copy is complete.
   */
  async backup(destination: string): Promise<void> {
    this.readable();
    this.writer.flush();
    await this.db.backup(destination);
  }

  isReady(): boolean {
    return !this.closed && this.db.open;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.eventListeners.clear();
    try {
      await this.maintenance.stop();
      this.writer.flush();
      await Promise.all([this.walSync.close(), this.checkpointer.close()]);
      // Folds the WAL into the database file (synced), so a clean stop leaves one self-contained file.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    } finally {
      await this.releaseLock();
    }
  }
}

/** A stored blob, parsed and validated (the JsonBlob forms skip this; they are for hot paths). */
function parseBlob<T>(blob: JsonBlob | null, schema: { parse(v: unknown): T }, what: string): T | null {
  if (!blob) return null;
  try {
    return schema.parse(JSON.parse(blob.json));
  } catch (err) {
    throw new CorruptValueError(what, `does not validate: ${(err as Error).message.slice(0, 200)}`);
  }
}

function checkBlob(what: string, serverId: string, blob: JsonBlob): JsonBlob {
  if (typeof blob?.json !== 'string' || !blob.json.startsWith('{') || typeof blob.fingerprint !== 'string') {
    throw new TypeError(`${what} of ${serverId}: not JSON object text with a fingerprint`);
  }
  return blob;
}
