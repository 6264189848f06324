import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { Baseline, Snapshot, ToolRejection, deriveStatus, type Action, type ApiKeyRecord, type CatalogEntry, type QuarantineRecord, type ServerState, type StoredAlert } from '@driftwatch/core';
import { checkApiKeyRecord, sortApiKeys, withRevocation } from '../api-keys.js';
import { AUDIT_CAP, DEFAULT_AUDIT_LIMIT, alertLimit, clampLimit } from '../alert-filter.js';
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
import { auditKey } from '../audit/audit-key.js';
import {
  EVENT_RETAIN_MS,
  actionEvent,
  alertEvent,
  batchLimit,
  encodeNewEvent,
  statusEvent,
  type DriftEvent,
  type EventBatch,
  type NewDriftEvent,
} from '../events/event.js';
import { incidentEvent } from '../events/incident-event.js';
import { startMaintenance, type Maintenance } from '../maintenance.js';
import { Action as ActionSchema, patchEntries } from '../codec.js';
import { CorruptValueError, StoreUnavailableError } from '../errors.js';
import type { AlertFilter, JsonBlob, OpenFinding, PruneResult, StatePort } from '../port.js';
import { Journal } from './journal.js';
import { acquireDirLock } from './lock.js';
import { MemoryState, blobLine } from './memory.js';
import { FileRecord, StateHeader } from './records.js';
import { FileIncidentStore } from './incident-store.js';
import { checkedEntry } from './catalog.js';

export interface FileStoreOptions {
  dir: string;
  logger: Logger;
  /** Fold the journal into the state file once it grows past this many bytes. Default 64 MiB. */
  compactBytes?: number;
  /** Alerts kept (most recent; resolved ones are dropped first). Default 10000. */
  maxAlerts?: number;
  /** Audit entries older than this are pruned (never by count). Default 400. */
  auditRetentionDays?: number;
  /** How often audit retention and event age are enforced; 0 disables the timer. Default 60 s. */
  maintenanceIntervalMs?: number;
  /** Clock for retention and event times. Default: the system clock. */
  now?: () => Date;
  /** Audit entries kept. Default 10000. */
  maxAudit?: number;
  /** Incidents kept (resolved ones with nothing left to deliver are dropped first). Default 10000. */
  maxIncidents?: number;
}

const STATE_FILE = 'state.jsonl';
const JOURNAL_FILE = 'journal.jsonl';
const WRITE_CHUNK = 1 << 20;

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Calls onLine for each line, telling it whether it is the last one (a torn write can only be last). */
async function forEachLine(path: string, onLine: (line: string, lineNo: number, isLast: boolean) => void): Promise<boolean> {
  try {
    await stat(path);
  } catch {
    return false;
  }
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let held: string | null = null;
  let n = 0;
  for await (const line of rl) {
    if (held !== null) onLine(held, n, false);
    held = line;
    n++;
  }
  if (held !== null) onLine(held, n, true);
  return true;
}

/** The compacted state: a header line then one record per line; written to a temp file and renamed. */
async function writeStateFile(dir: string, seq: number, lines: string[]): Promise<void> {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    let chunk = JSON.stringify({ dw: 'state', version: 1, seq }) + '\n';
    for (const line of lines) {
      chunk += line + '\n';
      if (chunk.length >= WRITE_CHUNK) {
        await fh.writeFile(chunk, 'utf8');
        chunk = '';
      }
    }
    if (chunk) await fh.writeFile(chunk, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, STATE_FILE));
  await fsyncDir(dir);
}

async function loadStateFile(path: string, mem: MemoryState): Promise<number> {
  let seq = 0;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      try {
        seq = StateHeader.parse(JSON.parse(line)).seq;
      } catch {
        throw new Error(`${path}: not a Driftwatch state file (bad header line)`);
      }
      return;
    }
    if (!line) return;
    // The state file is renamed into place whole: a bad line is corruption, not a torn write,
    // and silently dropping (say) a quarantine is worse than refusing to start.
    let rec: FileRecord;
    try {
      rec = FileRecord.parse(JSON.parse(line));
    } catch (err) {
      throw new Error(`${path}: line ${lineNo} is corrupt (${(err as Error).message.slice(0, 200)})`);
    }
    mem.apply(rec);
  });
  return seq;
}

export async function createFileStore(options: FileStoreOptions): Promise<StatePort> {
  const log = options.logger.child({ component: 'store', adapter: 'file', dir: options.dir });
  const retention = retentionMs(options.auditRetentionDays);
  const maintenanceMs = checkInterval('maintenanceIntervalMs', options.maintenanceIntervalMs, DEFAULT_MAINTENANCE_INTERVAL_MS);
  await mkdir(options.dir, { recursive: true });
  const releaseLock = await acquireDirLock(options.dir, log);
  try {
    const mem = new MemoryState(options.maxAlerts ?? 10_000, options.maxIncidents ?? 10_000);
    const statePath = join(options.dir, STATE_FILE);
    const journalPath = join(options.dir, JOURNAL_FILE);
    let seq = await loadStateFile(statePath, mem);
    const baseSeq = seq;
    let replayed = 0;
    let skipped = 0;
    await forEachLine(journalPath, (line, lineNo, isLast) => {
      if (!line) return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        if (isLast) log.warn({ lineNo }, 'journal ends with a torn line (crash during a write); skipping it');
        else log.error({ lineNo }, 'corrupt journal line; skipping it');
        skipped++;
        return;
      }
      const s = (obj as { s?: unknown } | null)?.s;
      if (typeof s !== 'number') {
        log.error({ lineNo }, 'journal line without a sequence number; skipping it');
        skipped++;
        return;
      }
      if (s <= baseSeq) return; // already folded into the state file
      const parsed = FileRecord.safeParse(obj);
      if (!parsed.success) {
        log.error({ lineNo, issue: parsed.error.issues[0]?.message }, 'invalid journal record; skipping it');
        skipped++;
        return;
      }
      mem.apply(parsed.data);
      seq = Math.max(seq, s);
      replayed++;
    });

    const compactBytes = options.compactBytes ?? 64 * 1024 * 1024;
    let nextCompactAt = compactBytes;
    const compact = async (journal: Journal): Promise<void> => {
      const atSeq = seq;
      const started = Date.now();
      try {
        await writeStateFile(options.dir, atSeq, mem.dump(Date.now()));
        const before = journal.bytes;
        await journal.truncate();
        nextCompactAt = compactBytes;
        log.info({ seq: atSeq, journalBytes: before, ms: Date.now() - started }, 'compacted journal into state file');
      } catch (err) {
        nextCompactAt = Math.max(journal.bytes * 2, compactBytes);
        log.error({ err: (err as Error).message }, 'journal compaction failed; will retry later');
        throw err;
      }
    };
    const journal = await Journal.open(journalPath, {
      needsMaintenance: (j) => j.bytes >= nextCompactAt,
      maintenance: compact,
    });
    // Start from a clean journal: this also cuts off a torn tail so new lines start on a fresh line.
    if (journal.bytes > 0) await compact(journal);
    const store = new FileStore(mem, journal, () => ++seq, () => seq, releaseLock, {
      log,
      now: options.now ?? (() => new Date()),
      retentionMs: retention,
      maintenanceMs,
    });
    // Entries replayed from before the last prune: drop them before anyone reads (in memory only).
    const pruned = await store.prune(Number.MAX_SAFE_INTEGER);
    log.info({ seq, replayed, skipped, alerts: mem.alerts.size, servers: mem.servers.size, audit: mem.audit.size, pruned }, 'file store opened');
    return store;
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A stored blob, parsed and validated: what was written is what replay would accept. */
function parseBlob<T>(blob: JsonBlob, schema: { parse(v: unknown): T }, what: string): T {
  try {
    return schema.parse(JSON.parse(blob.json));
  } catch (err) {
    throw new CorruptValueError(what, `does not validate: ${(err as Error).message.slice(0, 200)}`);
  }
}

interface FileStoreRuntime {
  log: Logger;
  now: () => Date;
  retentionMs: number;
  maintenanceMs: number;
}

class FileStore implements StatePort {
  private closed = false;
  /** Leases are not persisted: they coordinate live processes, and there is only this one. */
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly eventListeners = new Set<() => void>();
  private readonly maintenance: Maintenance;
  private readonly inc: FileIncidentStore;

  constructor(
    private readonly mem: MemoryState,
    private readonly journal: Journal,
    private readonly nextSeq: () => number,
    private readonly currentSeq: () => number,
    private readonly releaseLock: () => Promise<void>,
    private readonly rt: FileStoreRuntime,
  ) {
    this.maintenance = startMaintenance(() => this.prune(), rt.maintenanceMs, rt.log);
    this.inc = new FileIncidentStore(
      mem.incidents,
      (rec) => this.commit(rec),
      () => this.writable(),
      (record, change) => this.emitQuietly(incidentEvent(record, change, this.time())),
    );
  }

  // Incidents, silences, deliveries (file/incident-store.ts).
  getIncident: StatePort['getIncident'] = (id) => this.inc.getIncident(id);
  getOpenIncidentByGroupKey: StatePort['getOpenIncidentByGroupKey'] = (k) => this.inc.getOpenIncidentByGroupKey(k);
  putIncident: StatePort['putIncident'] = (r, v) => this.inc.putIncident(r, v);
  listIncidents: StatePort['listIncidents'] = (f) => this.inc.listIncidents(f);
  listIncidentsNeedingAttention: StatePort['listIncidentsNeedingAttention'] = (n) => this.inc.listIncidentsNeedingAttention(n);
  putSilence: StatePort['putSilence'] = (s) => this.inc.putSilence(s);
  getSilence: StatePort['getSilence'] = (id) => this.inc.getSilence(id);
  listSilences: StatePort['listSilences'] = () => this.inc.listSilences();
  deleteSilence: StatePort['deleteSilence'] = (id) => this.inc.deleteSilence(id);
  createDelivery: StatePort['createDelivery'] = (d) => this.inc.createDelivery(d);
  putDelivery: StatePort['putDelivery'] = (d) => this.inc.putDelivery(d);
  getDelivery: StatePort['getDelivery'] = (k) => this.inc.getDelivery(k);
  listDeliveries: StatePort['listDeliveries'] = (id) => this.inc.listDeliveries(id);
  listOpenDeliveries: StatePort['listOpenDeliveries'] = (n) => this.inc.listOpenDeliveries(n);

  private writable(): void {
    if (this.closed) throw new StoreUnavailableError('file store is closed');
    const failed = this.journal.failed;
    if (failed) throw new StoreUnavailableError(`file store journal failed: ${failed.message}`);
  }

  /**
   * Apply a record to memory and make it durable. The memory copy is parsed back from the
   * journal line, so the store never shares objects with callers and holds exactly what a
   * replay would rebuild. Resolves once the line is fsync'd.
   */
  private commit(rec: FileRecord): Promise<void> {
    const line = JSON.stringify({ s: this.nextSeq(), ...rec }) + '\n';
    this.mem.apply(JSON.parse(line) as FileRecord);
    return this.journal.append(line);
  }

  /** commit() for JSON text already validated by the caller: spliced into the line, never re-parsed. */
  private commitBlob(t: 'snap' | 'base', id: string, blob: JsonBlob): Promise<void> {
    if (typeof blob.json !== 'string' || blob.json.includes('\n') || !blob.json.startsWith('{')) {
      throw new TypeError(`${t === 'snap' ? 'snapshot' : 'baseline'} of ${id}: not single-line JSON object text`);
    }
    const line = blobLine(t, id, blob.json, this.nextSeq()) + '\n';
    (t === 'snap' ? this.mem.snapshots : this.mem.baselines).set(id, { fingerprint: blob.fingerprint, json: blob.json });
    return this.journal.append(line);
  }

  private async guarded<T>(fn: () => T | Promise<T>): Promise<T> {
    this.writable();
    return fn();
  }

  private stateOf(serverId: string): ServerState | null {
    const st = this.mem.servers.get(serverId);
    const q = this.mem.quarantines.get(serverId);
    if (!st && !q) return null;
    return clone({ ...st, serverId, ...(q ? { quarantine: q } : {}) });
  }

  async getServerState(serverId: string): Promise<ServerState | null> {
    return this.stateOf(serverId);
  }

  updateServerState(
    serverId: string,
    patch: Partial<Omit<ServerState, 'serverId' | 'quarantine'>>,
  ): Promise<ServerState> {
    return this.guarded(async () => {
      const before = deriveStatus(this.stateOf(serverId));
      const next: Record<string, unknown> = { ...this.mem.servers.get(serverId), serverId };
      for (const [field, value] of patchEntries(patch)) {
        if (value === undefined) delete next[field];
        else next[field] = value;
      }
      const written = this.commit({ t: 'srv', id: serverId, v: next as Omit<ServerState, 'quarantine'> });
      await Promise.all([written, this.statusChanged(serverId, before)]);
      return this.stateOf(serverId)!;
    });
  }

  async listServerStates(): Promise<ServerState[]> {
    const ids = new Set([...this.mem.servers.keys(), ...this.mem.quarantines.keys()]);
    return [...ids].sort().map((id) => this.stateOf(id)!);
  }

  async getLatestSnapshot(serverId: string): Promise<Snapshot | null> {
    const blob = this.mem.snapshots.get(serverId);
    return blob ? parseBlob(blob, Snapshot, `snapshot of ${serverId}`) : null;
  }
  putLatestSnapshot(snapshot: Snapshot): Promise<void> {
    return this.putLatestSnapshotJson(snapshot.serverId, { fingerprint: snapshot.fingerprints.snapshot, json: JSON.stringify(snapshot) });
  }
  async getLatestSnapshotJson(serverId: string): Promise<JsonBlob | null> {
    const blob = this.mem.snapshots.get(serverId);
    return blob ? { ...blob } : null;
  }
  putLatestSnapshotJson(serverId: string, blob: JsonBlob): Promise<void> {
    return this.guarded(() => this.commitBlob('snap', serverId, blob));
  }

  async getBaseline(serverId: string): Promise<Baseline | null> {
    const blob = this.mem.baselines.get(serverId);
    return blob ? parseBlob(blob, Baseline, `baseline of ${serverId}`) : null;
  }
  putBaseline(baseline: Baseline): Promise<void> {
    return this.putBaselineJson(baseline.serverId, { fingerprint: baseline.fingerprint, json: JSON.stringify(baseline) });
  }
  async getBaselineJson(serverId: string): Promise<JsonBlob | null> {
    const blob = this.mem.baselines.get(serverId);
    return blob ? { ...blob } : null;
  }
  putBaselineJson(serverId: string, blob: JsonBlob): Promise<void> {
    return this.guarded(() => this.commitBlob('base', serverId, blob));
  }
  async getBaselineFingerprint(serverId: string): Promise<string | null> {
    return this.mem.baselines.get(serverId)?.fingerprint ?? null;
  }

  async getOpenFindings(serverId: string): Promise<Record<string, OpenFinding>> {
    return clone(this.mem.findings.get(serverId) ?? {});
  }
  putOpenFindings(serverId: string, findings: Record<string, OpenFinding>): Promise<void> {
    return this.guarded(() => this.commit({ t: 'find', id: serverId, v: findings }));
  }

  insertAlert(alert: StoredAlert): Promise<boolean> {
    return this.guarded(async () => {
      if (this.mem.alerts.has(alert.alert.id)) return false;
      const written = this.commit({ t: 'alert', v: alert });
      await Promise.all([written, this.emitQuietly(alertEvent(alert, alert.status === 'open' ? 'opened' : 'resolved', this.time()))]);
      return true;
    });
  }
  putAlert(alert: StoredAlert): Promise<void> {
    return this.guarded(async () => {
      const written = this.commit({ t: 'alert', v: alert });
      await Promise.all([written, this.emitQuietly(alertEvent(alert, alert.status === 'resolved' ? 'resolved' : 'updated', this.time()))]);
    });
  }
  async getAlert(alertId: string): Promise<StoredAlert | null> {
    const v = this.mem.alerts.get(alertId);
    return v ? clone(v) : null;
  }
  async getOpenAlertByDedupKey(dedupKey: string): Promise<StoredAlert | null> {
    const id = this.mem.openByDedupKey.get(dedupKey);
    const v = id === undefined ? undefined : this.mem.alerts.get(id);
    return v && v.status === 'open' ? clone(v) : null;
  }
  async listAlerts(filter?: AlertFilter): Promise<StoredAlert[]> {
    return this.mem.listAlerts(filter, alertLimit(filter)).map(clone);
  }

  quarantine(serverId: string, record: QuarantineRecord): Promise<boolean> {
    return this.guarded(async () => {
      // Check and set happen in one synchronous step: concurrent calls cannot both win.
      if (this.mem.quarantines.has(serverId)) return false;
      const before = deriveStatus(this.stateOf(serverId));
      const written = this.commit({ t: 'q', id: serverId, v: record });
      await Promise.all([written, this.statusChanged(serverId, before)]);
      return true;
    });
  }
  release(serverId: string): Promise<QuarantineRecord | null> {
    return this.guarded(async () => {
      const current = this.mem.quarantines.get(serverId);
      if (!current) return null;
      const written = this.commit({ t: 'q', id: serverId, v: null });
      await Promise.all([written, this.statusChanged(serverId, 'quarantined')]);
      return clone(current);
    });
  }
  async getQuarantine(serverId: string): Promise<QuarantineRecord | null> {
    const v = this.mem.quarantines.get(serverId);
    return v ? clone(v) : null;
  }
  async countQuarantined(): Promise<number> {
    return this.mem.quarantines.size;
  }

  claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.guarded(async () => {
      // Wall clock, because claims survive a restart.
      const now = Date.now();
      const exp = this.mem.claims.get(key);
      if (exp !== undefined && exp > now) return false;
      await this.commit({ t: 'claim', k: key, exp: now + Math.max(1, Math.ceil(ttlMs)) });
      return true;
    });
  }
  async isClaimed(key: string): Promise<boolean> {
    const exp = this.mem.claims.get(key);
    return exp !== undefined && exp > Date.now();
  }
  unclaim(key: string): Promise<void> {
    return this.guarded(async () => {
      if (this.mem.claims.has(key)) await this.commit({ t: 'claim', k: key, exp: null });
    });
  }
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.guarded(() => {
      const now = performance.now();
      const held = this.leases.get(key);
      if (held && held.until > now && held.owner !== owner) return false;
      this.leases.set(key, { owner, until: now + Math.max(1, ttlMs) });
      if (this.leases.size > 4096) for (const [k, l] of this.leases) if (l.until <= now) this.leases.delete(k);
      return true;
    });
  }

  appendAudit(action: Action): Promise<void> {
    return this.guarded(async () => {
      // Validated here, not only on replay: what the trail holds must read back after a restart.
      const checked = ActionSchema.parse(action);
      // A retried append of the same action (same time, server and id) is recorded once.
      if (this.mem.audit.has(auditKey(checked))) return;
      const written = this.commit({ t: 'audit', v: checked });
      await Promise.all([written, this.emitQuietly(actionEvent(checked, this.time()))]);
    });
  }
  async listAudit(limit?: number, serverId?: string): Promise<Action[]> {
    const n = clampLimit(limit, DEFAULT_AUDIT_LIMIT, AUDIT_CAP);
    return (await this.listAuditPage({ limit: n, ...(serverId !== undefined ? { serverId } : {}) })).actions;
  }
  async listAuditPage(query: AuditPageQuery): Promise<AuditPage> {
    const page = this.mem.audit.page(query, pageLimit(query.limit));
    return { actions: page.actions.map(clone), nextCursor: page.nextCursor };
  }

  async prune(maxAudit = AUDIT_PRUNE_BATCH * AUDIT_PRUNE_BATCHES_PER_RUN): Promise<PruneResult> {
    // In memory only: compaction leaves pruned entries out of the state file, and entries a
    // restart replays from the journal are pruned again at open.
    const now = this.rt.now().getTime();
    return {
      audit: this.mem.audit.prune(now - this.rt.retentionMs, maxAudit),
      events: this.mem.events.trimOlderThan(now - EVENT_RETAIN_MS),
    };
  }

  private time(): string {
    return this.rt.now().toISOString();
  }

  /** Emits a status event when the derived status of serverId is no longer `before`. */
  private statusChanged(serverId: string, before: ReturnType<typeof deriveStatus>): Promise<unknown> {
    const after = deriveStatus(this.stateOf(serverId));
    return after === before ? Promise.resolve() : this.emitQuietly(statusEvent(serverId, before, after, this.time()));
  }

  /**
   * Events a state change emits: a failure to record one is logged, never thrown, because the
   * change itself was made and a caller retrying it would not emit the event again anyway.
   */
  private emitQuietly(event: NewDriftEvent): Promise<unknown> {
    try {
      return this.writeEvent(event).catch((err: unknown) => this.rt.log.warn({ err: (err as Error).message, type: event.type }, 'event not recorded'));
    } catch (err) {
      this.rt.log.warn({ err: (err as Error).message, type: event.type, serverId: event.serverId }, 'event not recorded');
      return Promise.resolve();
    }
  }

  /** Validates and journals an event; its id is the sequence number of its journal line. */
  private writeEvent(event: NewDriftEvent): Promise<string> {
    const json = encodeNewEvent(event, this.time());
    const s = this.nextSeq();
    const id = String(s);
    const stored = JSON.parse(`{"id":"${id}",${json.slice(1)}`) as DriftEvent;
    this.mem.events.push(stored);
    return this.journal.append(`{"s":${s},"t":"ev","v":${JSON.stringify(stored)}}\n`).then(() => {
      for (const listener of this.eventListeners) {
        try {
          listener();
        } catch (err) {
          this.rt.log.warn({ err: (err as Error).message }, 'event listener threw');
        }
      }
      return id;
    });
  }

  appendEvent(event: NewDriftEvent): Promise<string> {
    return this.guarded(() => this.writeEvent(event));
  }

  async readEvents(afterId: string | null, limit: number): Promise<EventBatch> {
    const tail = String(this.currentSeq());
    if (afterId === null) return { events: [], next: tail, reset: null };
    const after = /^\d{1,15}$/.test(afterId) ? Number(afterId) : NaN;
    if (!(after <= this.currentSeq())) return { events: [], next: tail, reset: 'unknown_id' };
    if (after < this.mem.events.floor) return { events: [], next: tail, reset: 'too_old' };
    const events = this.mem.events.after(after, batchLimit(limit));
    const last = events[events.length - 1];
    return { events: events.map(clone), next: last ? last.id : afterId, reset: null };
  }

  subscribeEvents(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  putApiKey(record: ApiKeyRecord): Promise<void> {
    return this.guarded(() => this.commit({ t: 'key', v: checkApiKeyRecord(record) }));
  }
  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const v = this.mem.apiKeys.get(id);
    return v ? clone(v) : null;
  }
  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return sortApiKeys([...this.mem.apiKeys.values()].map(clone));
  }
  revokeApiKey(id: string, revokedAt: string, revokedBy: string): Promise<ApiKeyRecord | null> {
    return this.guarded(async () => {
      // Read and commit in one synchronous step (commit applies to memory before it awaits).
      const current = this.mem.apiKeys.get(id);
      if (!current) return null;
      const next = withRevocation(current, revokedAt, revokedBy);
      if (next !== current) await this.commit({ t: 'key', v: checkApiKeyRecord(next) });
      return clone(this.mem.apiKeys.get(id) ?? next);
    });
  }
  async putToolRejection(rejection: ToolRejection): Promise<void> {
    // Validated here: replay drops a record that does not validate, and a lost rejection unblocks a tool.
    const v = ToolRejection.parse(rejection);
    await this.guarded(() => this.commit({ t: 'trej', id: v.serverId, tool: v.tool, v }));
  }
  deleteToolRejection(serverId: string, tool: string): Promise<boolean> {
    return this.guarded(async () => {
      if (!this.mem.toolRejections.has(serverId, tool)) return false;
      await this.commit({ t: 'trej', id: serverId, tool, v: null });
      return true;
    });
  }
  async listToolRejections(serverId?: string): Promise<ToolRejection[]> {
    return this.mem.toolRejections.list(serverId);
  }

  // The catalog (file/catalog.ts): check-and-set in one synchronous step, as quarantine().
  async listCatalog(): Promise<CatalogEntry[]> {
    return this.mem.catalog.list();
  }
  async getCatalogEntry(serverId: string): Promise<CatalogEntry | null> {
    return this.mem.catalog.get(serverId);
  }
  putCatalogEntry(entry: CatalogEntry, options?: { onlyIfAbsent?: boolean }): Promise<boolean> {
    return this.guarded(async () => {
      const v = checkedEntry(entry);
      if (options?.onlyIfAbsent && this.mem.catalog.has(v.id)) return false;
      await this.commit({ t: 'cat', id: v.id, v });
      return true;
    });
  }
  deleteCatalogEntry(serverId: string): Promise<boolean> {
    return this.guarded(async () => {
      if (!this.mem.catalog.has(serverId)) return false;
      await this.commit({ t: 'cat', id: serverId, v: null });
      return true;
    });
  }
  async catalogSeededAt(): Promise<string | null> {
    return this.mem.catalog.seededAt;
  }
  markCatalogSeeded(at: string): Promise<boolean> {
    return this.guarded(async () => {
      if (this.mem.catalog.seededAt !== null) return false;
      await this.commit({ t: 'catseed', at });
      return true;
    });
  }

  isReady(): boolean {
    return !this.closed && !this.journal.failed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.eventListeners.clear();
    try {
      await this.maintenance.stop();
      await this.journal.close();
    } finally {
      await this.releaseLock();
    }
  }
}
