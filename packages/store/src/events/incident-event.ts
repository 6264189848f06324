import { z } from 'zod';
import { Severity, type IncidentRecord } from '@driftwatch/core';
// Type-only: event.ts imports this module's schema, so nothing else may come back from there.
import type { NewDriftEvent } from './event.js';

/*
 * The `incident` event: an incident was opened, acknowledged, resolved, or its severity changed
 * (in practice raised: an incident's severity is the highest of its alerts, resolved ones
 * included). It shows what a SOC console lists (id, status, severity, title, how many alerts);
 * GET /v1/incidents/{id} has the rest. A write that changes none of status and severity (a new
 * alert at the same severity, notification bookkeeping) emits nothing: the alert event already
 * announced the alert, and the responder writes incidents far more often than they change.
 */

export const INCIDENT_CHANGES = ['opened', 'acknowledged', 'resolved', 'severity'] as const;
export type IncidentChange = (typeof INCIDENT_CHANGES)[number];

export const IncidentEventData = z.object({
  change: z.enum(INCIDENT_CHANGES),
  incidentId: z.string().min(1).max(255),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  severity: Severity,
  /** Cut to 512 characters (the incident's own title may be twice that). */
  title: z.string().max(512),
  /** Alerts in the incident, counting those beyond what it keeps. */
  alertCount: z.number().int().min(0),
});

/** At most 512 UTF-16 units, never splitting a surrogate pair (a lone half is not valid text). */
function cutTitle(title: string): string {
  if (title.length <= 512) return title;
  const end = /[\uD800-\uDBFF]/.test(title[510]!) ? 510 : 511;
  return `${title.slice(0, end)}…`;
}

/** What an incident event depends on: a write that leaves both alone emits nothing. */
export type IncidentEventState = Pick<IncidentRecord, 'status' | 'severity'>;

/**
 * Which event a write from `before` (null: the incident is new) to `after` emits, if any. A new
 * incident or a new status names the status; otherwise a different severity is `severity`.
 */
export function incidentChange(before: IncidentEventState | null, after: IncidentEventState): IncidentChange | null {
  if (before === null || before.status !== after.status) return statusChange(after.status);
  return before.severity !== after.severity ? 'severity' : null;
}

export function statusChange(status: IncidentRecord['status']): IncidentChange {
  return status === 'open' ? 'opened' : status;
}

export function incidentEvent(record: IncidentRecord, change: IncidentChange, time: string): NewDriftEvent {
  return {
    type: 'incident',
    time,
    serverId: record.serverId,
    data: {
      change,
      incidentId: record.id,
      status: record.status,
      severity: record.severity,
      title: cutTitle(record.title),
      alertCount: record.alerts.length + record.droppedAlerts,
    },
  };
}
