import { maxSeverity, type Severity } from '../severity.js';
import type { IncidentAlertRef, IncidentTransition, IncidentView, Notification } from './notification.js';
import type { IncidentAlert, IncidentRecord } from './record.js';

function refOf(a: IncidentAlert): IncidentAlertRef {
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    severity: a.severity,
    summary: a.summary,
    ...(a.explanation !== undefined ? { explanation: a.explanation } : {}),
    ...(a.remediation !== undefined ? { remediation: a.remediation } : {}),
    ...(a.evidence !== undefined ? { evidence: a.evidence } : {}),
    status: a.status,
    time: a.time,
  };
}

/**
 * The incident as receivers see it. `notifiedOnly`: only the alerts that were part of a
 * notification (a silenced or inhibited alert is never told to a receiver), and the severity of
 * those; the API shows everything.
 */
export function incidentView(r: IncidentRecord, options: { notifiedOnly?: boolean } = {}): IncidentView {
  const alerts = options.notifiedOnly ? r.alerts.filter((a) => a.notified) : r.alerts;
  const severity = options.notifiedOnly && alerts.length ? alerts.reduce<Severity>((s, a) => maxSeverity(s, a.severity), 'info') : r.severity;
  return {
    id: r.id,
    serverId: r.serverId,
    groupKey: r.groupKey,
    status: r.status,
    severity,
    title: r.title,
    alerts: alerts.map(refOf),
    tags: [...r.tags],
    openedAt: r.openedAt,
    lastChangeAt: r.lastChangeAt,
    ...(r.acknowledgedAt ? { acknowledgedAt: r.acknowledgedAt } : {}),
    ...(r.acknowledgedBy ? { acknowledgedBy: r.acknowledgedBy } : {}),
    ...(r.resolvedAt ? { resolvedAt: r.resolvedAt } : {}),
    ...(r.resolvedBy ? { resolvedBy: r.resolvedBy } : {}),
    quarantined: r.quarantined,
  };
}

/** Idempotency key of one transition to one receiver: stable across retries and restarts. */
export function deliveryKeyOf(incidentId: string, seq: number, transition: IncidentTransition, receiver: string): string {
  return `${incidentId}:${seq}:${transition}:${receiver}`;
}

export interface Links {
  /** Base URL of the API, e.g. https://driftwatch.example.com */
  api?: string;
  /** Base URL of the SOC console page for incidents. */
  console?: string;
}

export function notificationOf(
  r: IncidentRecord,
  entry: { seq: number; transition: IncidentTransition; at: string },
  receiver: string,
  links: Links,
): Notification {
  const id = encodeURIComponent(r.id);
  return {
    incident: incidentView(r, { notifiedOnly: true }),
    transition: entry.transition,
    idempotencyKey: deliveryKeyOf(r.id, entry.seq, entry.transition, receiver),
    time: entry.at,
    links: {
      ...(links.api ? { api: `${links.api.replace(/\/+$/, '')}/v1/incidents/${id}` } : {}),
      ...(links.console ? { console: `${links.console.replace(/\/+$/, '')}/${id}` } : {}),
    },
  };
}
