import { atLeast, type StoredAlert } from '@driftwatch/core';
import type { AlertFilter } from './port.js';

export const DEFAULT_ALERT_LIMIT = 100;
export const MAX_ALERT_LIMIT = 1000;
export const DEFAULT_AUDIT_LIMIT = 100;
/** Largest listAudit limit. The trail itself is kept by time (see audit/audit-page.ts), never by count. */
export const AUDIT_CAP = 10_000;

export function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return dflt;
  return Math.max(0, Math.min(max, Math.floor(limit)));
}

export function alertLimit(filter: AlertFilter | undefined): number {
  return clampLimit(filter?.limit, DEFAULT_ALERT_LIMIT, MAX_ALERT_LIMIT);
}

export function matchesFilter(stored: StoredAlert, filter: AlertFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.serverId !== undefined && stored.alert.serverId !== filter.serverId) return false;
  if (filter.status !== undefined && stored.status !== filter.status) return false;
  if (filter.minSeverity !== undefined && !atLeast(stored.alert.severity, filter.minSeverity)) return false;
  return true;
}

/**
 * Listing order: the alert's own time (newest first), ties broken by id so that both adapters
 * return the same order.
 */
export function alertScore(stored: StoredAlert): number {
  const t = Date.parse(stored.alert.time);
  return Number.isFinite(t) ? t : 0;
}
