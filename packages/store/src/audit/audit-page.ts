import type { Action } from '@driftwatch/core';

/** Audit entries are kept this many days (config `api.auditRetentionDays`), never evicted by count. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
/** Largest page a store serves in one call (the HTTP layer allows at most 1000). */
export const MAX_AUDIT_PAGE = 10_000;
/** Entries the periodic prune removes per batch, and batches per run: bounded work per run. */
export const AUDIT_PRUNE_BATCH = 1_000;
export const AUDIT_PRUNE_BATCHES_PER_RUN = 10;
/** How often a store prunes (audit retention, event age). */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 60_000;

export interface AuditPageQuery {
  /** Entries per page; clamped to 0..10000. */
  limit: number;
  /** The `nextCursor` of the previous page; omitted for the newest entries. */
  cursor?: string | undefined;
  serverId?: string | undefined;
  /** ISO time, inclusive. */
  since?: string | undefined;
  /** ISO time, exclusive. */
  until?: string | undefined;
}

export interface AuditPage {
  /** Newest first (by action time, then server id, then action id). */
  actions: Action[];
  /** Pass as `cursor` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

/** Validates the option up front (a zero or negative retention would delete the trail). */
export function retentionMs(days: number | undefined): number {
  const d = days ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (!Number.isFinite(d) || d <= 0) throw new RangeError(`auditRetentionDays must be a positive number of days, got ${String(days)}`);
  return d * 24 * 3600 * 1000;
}

export function checkInterval(name: string, ms: number | undefined, dflt: number): number {
  const v = ms ?? dflt;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${String(ms)}`);
  return v;
}

export function pageLimit(limit: number): number {
  if (!Number.isFinite(limit)) return 0;
  return Math.max(0, Math.min(MAX_AUDIT_PAGE, Math.floor(limit)));
}
