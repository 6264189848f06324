import type { Action, Baseline, CatalogEntry, OpenFinding, QuarantineRecord, ServerState, Severity, Snapshot, StoredAlert } from '@driftwatch/core';

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

/**
 * The state port. Every method is safe to call concurrently from several processes; the ones
 * that decide "first time or not" (quarantine, claimOnce, acquireLease) are atomic.
 */
export interface StatePort {
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

  appendAudit(action: Action): Promise<void>;
  /** Newest first. */
  listAudit(limit?: number, serverId?: string): Promise<Action[]>;

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
