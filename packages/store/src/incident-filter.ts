import { atLeast, type DeliveryRecord, type IncidentRecord } from '@driftwatch/core';
import { clampLimit } from './alert-filter.js';
import { DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT, type IncidentFilter } from './incidents-port.js';

export function incidentLimit(filter: IncidentFilter | undefined): number {
  return clampLimit(filter?.limit, DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT);
}

/** Listing order: openedAt (newest first), ties broken by id, the same in both adapters. */
export function incidentScore(r: Pick<IncidentRecord, 'openedAt'>): number {
  const t = Date.parse(r.openedAt);
  return Number.isFinite(t) ? t : 0;
}

/** Strictly older than the cursor position (in listing order: comes after it). */
export function isBeforeCursor(r: Pick<IncidentRecord, 'openedAt' | 'id'>, before: IncidentFilter['before']): boolean {
  if (!before) return true;
  const a = incidentScore(r);
  const b = incidentScore(before);
  return a < b || (a === b && r.id < before.id);
}

export function matchesIncidentFilter(r: IncidentRecord, filter: IncidentFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.serverId !== undefined && r.serverId !== filter.serverId) return false;
  if (filter.status === 'active' && r.status === 'resolved') return false;
  if (filter.status !== undefined && filter.status !== 'active' && r.status !== filter.status) return false;
  if (filter.minSeverity !== undefined && !atLeast(r.severity, filter.minSeverity)) return false;
  return isBeforeCursor(r, filter.before);
}

/** One incident's deliveries in the order they were meant to go out. */
export function byDeliveryOrder(a: DeliveryRecord, b: DeliveryRecord): number {
  return a.seq - b.seq || (a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0);
}
