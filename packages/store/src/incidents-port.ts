import type { DeliveryRecord, IncidentRecord, Severity, Silence } from '@driftwatch/core';

export interface IncidentFilter {
  /** `active`: open or acknowledged. */
  status?: 'open' | 'acknowledged' | 'resolved' | 'active';
  serverId?: string;
  /** Incidents at or above this severity. */
  minSeverity?: Severity;
  /** Newest first (by openedAt, then id); default 50, at most 500. */
  limit?: number;
  /** Only incidents strictly older than this position (the last one of the previous page). */
  before?: { openedAt: string; id: string };
}

export const DEFAULT_INCIDENT_LIMIT = 50;
export const MAX_INCIDENT_LIMIT = 500;
/** Silences kept (active, scheduled and expired ones until they are deleted or pruned). */
export const MAX_SILENCES = 1_000;

/**
 * Incidents, silences and deliveries (DESIGN.md, "Incidents"). Part of the StatePort; every
 * method is safe to call concurrently from several processes.
 */
export interface IncidentStatePort {
  getIncident(id: string): Promise<IncidentRecord | null>;
  /** The incident for a group key that is not resolved yet, if any. */
  getOpenIncidentByGroupKey(groupKey: string): Promise<IncidentRecord | null>;
  /**
   * Compare-and-set: writes `record` with version `expectedVersion + 1` when the stored version
   * is `expectedVersion` (0: it must not exist, and no other unresolved incident may hold its
   * group key). Returns the stored record, or null when another writer got there first.
   */
  putIncident(record: IncidentRecord, expectedVersion: number): Promise<IncidentRecord | null>;
  listIncidents(filter?: IncidentFilter): Promise<IncidentRecord[]>;
  /** Incidents the responder still has work on (see incidentNeedsAttention), at most `limit`. */
  listIncidentsNeedingAttention(limit?: number): Promise<IncidentRecord[]>;

  putSilence(silence: Silence): Promise<void>;
  getSilence(id: string): Promise<Silence | null>;
  /** Every stored silence (at most MAX_SILENCES), newest first. */
  listSilences(): Promise<Silence[]>;
  /** The deleted silence, or null when there was none. */
  deleteSilence(id: string): Promise<Silence | null>;

  /** Set-if-absent by `key` (the idempotency key): true when this call created it. */
  createDelivery(delivery: DeliveryRecord): Promise<boolean>;
  /** Overwrites a delivery (attempts, outcome). */
  putDelivery(delivery: DeliveryRecord): Promise<void>;
  getDelivery(key: string): Promise<DeliveryRecord | null>;
  /** One incident's deliveries, by sequence then receiver. */
  listDeliveries(incidentId: string): Promise<DeliveryRecord[]>;
  /** Deliveries still pending or sending (any order), at most `limit`. */
  listOpenDeliveries(limit?: number): Promise<DeliveryRecord[]>;
}
