import type { Action, ApiKeyRecord, Baseline, CatalogEntry, OpenFinding, QuarantineRecord, ServerState, Severity, Snapshot, StoredAlert, ToolRejection } from '@driftwatch/core';
import type { AuditPage, AuditPageQuery } from './audit/audit-page.js';
import type { AuditChainReport } from './audit/chain.js';
import type { EventBatch, NewDriftEvent } from './events/event.js';
import type { IncidentStatePort } from './incidents-port.js';

export interface AlertFilter {
  serverId?: string;
  /** Alerts at or above this severity. */
  minSeverity?: Severity;
  status?: 'open' | 'resolved';
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

export type { OpenFinding } from '@driftwatch/core';

/**
 * A snapshot or baseline as JSON text (produced and validated on a worker thread) with its
 * fingerprint. Snapshots can be megabytes: keeping them as text lets the services store, load
 * and forward them without parsing or serialising on the event loop.
 */
export interface JsonBlob {
  fingerprint: string;
  json: string;
}

export interface PruneResult {
  audit: number;
  events: number;
}

/**
 * The state port. Every method is safe to call concurrently from several processes; the ones
 * that decide "first time or not" (quarantine, claimOnce, acquireLease) are atomic.
 */
export interface StatePort extends IncidentStatePort {
  getServerState(serverId: string): Promise<ServerState | null>;
  /** Merges the given fields (undefined deletes a field). Returns the merged state. */
  updateServerState(serverId: string, patch: Partial<Omit<ServerState, 'serverId' | 'quarantine'>>): Promise<ServerState>;
  listServerStates(): Promise<ServerState[]>;

  /** Parsed and validated (costs a parse on this thread; prefer the Json forms on hot paths). */
  getLatestSnapshot(serverId: string): Promise<Snapshot | null>;
  putLatestSnapshot(snapshot: Snapshot): Promise<void>;
  getLatestSnapshotJson(serverId: string): Promise<JsonBlob | null>;
  /** `json` must be a valid Snapshot of `serverId` (the caller validated it). */
  putLatestSnapshotJson(serverId: string, blob: JsonBlob): Promise<void>;

  getBaseline(serverId: string): Promise<Baseline | null>;
  putBaseline(baseline: Baseline): Promise<void>;
  getBaselineJson(serverId: string): Promise<JsonBlob | null>;
  /** The stored baseline's fingerprint alone (the differ's fast path: no blob read). */
  getBaselineFingerprint(serverId: string): Promise<string | null>;
  /** `json` must be a valid Baseline of `serverId` (the caller validated it). */
  putBaselineJson(serverId: string, blob: JsonBlob): Promise<void>;

  getOpenFindings(serverId: string): Promise<Record<string, OpenFinding>>;
  putOpenFindings(serverId: string, findings: Record<string, OpenFinding>): Promise<void>;

  /** Returns false (and writes nothing) when an alert with this id is already stored. */
  insertAlert(alert: StoredAlert): Promise<boolean>;
  /** Overwrites a stored alert (lifecycle changes). */
  putAlert(alert: StoredAlert): Promise<void>;
  getAlert(alertId: string): Promise<StoredAlert | null>;
  /** The open alert for a dedup key, if any. */
  getOpenAlertByDedupKey(dedupKey: string): Promise<StoredAlert | null>;
  listAlerts(filter?: AlertFilter): Promise<StoredAlert[]>;

  /** Atomic: true when this call quarantined the server, false when it already was. */
  quarantine(serverId: string, record: QuarantineRecord): Promise<boolean>;
  /** Atomic: the lifted record, or null when the server was not quarantined. */
  release(serverId: string): Promise<QuarantineRecord | null>;
  getQuarantine(serverId: string): Promise<QuarantineRecord | null>;
  countQuarantined(): Promise<number>;

  /** Atomic set-if-absent with expiry: true for the first caller only. For idempotent side effects. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Whether a claim is held (not expired), without taking it. */
  isClaimed(key: string): Promise<boolean>;
  /** Undo a claim whose side effect failed, so a retry may try again. */
  unclaim(key: string): Promise<void>;
  /** Atomic lease: true when `owner` now holds `key` for ttlMs (also when it already held it). */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Consent: the rejected version of a tool, one per (server, tool); a put replaces the previous one. */
  putToolRejection(rejection: ToolRejection): Promise<void>;
  /** Forgets a tool's rejection (it was approved); true when there was one. */
  deleteToolRejection(serverId: string, tool: string): Promise<boolean>;
  /** One server's rejections, or every server's without an id; sorted by server, then tool. */
  listToolRejections(serverId?: string): Promise<ToolRejection[]>;

  /**
   * Records an action once per (time, server, action id): a retried append adds nothing. Also
   * emits an `action` event. Entries are kept for the retention period, never evicted by count.
   */
  appendAudit(action: Action): Promise<void>;
  /** Newest first: the first page of listAuditPage (limit default 100, at most 10000). */
  listAudit(limit?: number, serverId?: string): Promise<Action[]>;
  /**
   * One page of the audit trail, newest first. A cursor stays valid while entries are appended
   * and visits every entry once; a cursor this store did not hand out throws InvalidCursorError.
   */
  listAuditPage(query: AuditPageQuery): Promise<AuditPage>;
  /**
   * Bounded retention work: removes at most `maxAudit` audit entries older than the retention,
   * and live events past their age. Stores also run it on a timer of their own.
   */
  prune(maxAudit?: number): Promise<PruneResult>;
  /**
   * Optional (stores whose audit trail is hash-chained, see audit/chain.ts): walks the chain and
   * reports the first record that does not verify.
   */
  verifyAuditChain?(): Promise<AuditChainReport>;

  /**
   * The live event log (shared by every replica using this store). Store methods that change
   * alerts, the audit trail or a server's derived status emit their events themselves; this is for
   * other producers. Returns the event's id. Throws on an invalid or oversized event.
   */
  appendEvent(event: NewDriftEvent): Promise<string>;
  /**
   * Events after `afterId`, oldest first, at most `limit` (≤ 1000). `afterId` null: no events,
   * just the current position (`next`). See EventBatch.reset for ids that cannot be resumed.
   */
  readEvents(afterId: string | null, limit: number): Promise<EventBatch>;
  /** Optional: `listener` is called after this process appended an event (instant delivery). */
  subscribeEvents?(listener: () => void): () => void;

  /** Stores (or overwrites) an API key record. The record holds only the secret's hash. */
  putApiKey(record: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, revoked and expired ones included, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /**
   * Atomic: marks the key revoked and returns the updated record; null when there is no such key.
   * A key already revoked keeps its first revokedAt/revokedBy (the record is returned unchanged).
   */
  revokeApiKey(id: string, revokedAt: string, revokedBy: string): Promise<ApiKeyRecord | null>;

  // The living catalog (see @driftwatch/catalog). Entries are kept UNRESOLVED: credential
  // references as written, never a secret's value. Implementations: file/catalog.ts, redis/catalog.ts.
  /** Every entry, sorted by id. */
  listCatalog(): Promise<CatalogEntry[]>;
  getCatalogEntry(serverId: string): Promise<CatalogEntry | null>;
  /**
   * Writes an entry. With `onlyIfAbsent`, atomically: false (and nothing written) when an entry
   * with this id exists. Otherwise always true.
   */
  putCatalogEntry(entry: CatalogEntry, options?: { onlyIfAbsent?: boolean }): Promise<boolean>;
  /** True when an entry was removed. */
  deleteCatalogEntry(serverId: string): Promise<boolean>;
  /** When the config file seeded the catalog (`catalog: api`), or null if it never did. */
  catalogSeededAt(): Promise<string | null>;
  /** Atomic set-if-absent of the seed marker: true for the first caller only. */
  markCatalogSeeded(at: string): Promise<boolean>;

  isReady(): boolean;
  close(): Promise<void>;
}
