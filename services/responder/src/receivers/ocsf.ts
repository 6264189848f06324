import type { IncidentStatus, IncidentTransition, Notification, Severity } from '@driftwatch/core';
import { alertsBySeverity, boundValue, fitToBytes, type Budget } from './alerts.js';
import { clip, visible } from './text.js';

/**
 * An incident change as an OCSF Detection Finding (class_uid 2004, category_uid 2 Findings),
 * per the OCSF 1.5.0 schema (event class `detection_finding` extending `finding` and
 * `base_event`; objects `metadata`, `product`, `finding_info`, `evidences`, `resource_details`,
 * `remediation`). The test suite validates every event against a JSON Schema written from that
 * specification (test/support/receivers/ocsf-detection-finding.schema.ts).
 *
 * Mapping:
 * - activity: trigger → 1 Create; update and acknowledge → 2 Update; resolve → 3 Close;
 *   type_uid = 2004 × 100 + activity_id (200401 / 200402 / 200403).
 * - severity_id: info 1 Informational, low 2, medium 3, high 4, critical 5.
 * - status_id (the finding's triage status): open 1 New, acknowledged 2 In Progress,
 *   resolved 4 Resolved.
 * - time: when the transition happened (epoch ms); finding_info.first_seen_time /
 *   last_seen_time: the incident's openedAt / lastChangeAt.
 * - finding_info.uid = the incident id (the same on every event of one incident, so a SIEM can
 *   follow it); metadata.uid = the notification's idempotency key (drop repeats by it);
 *   metadata.correlation_uid = the incident's group key.
 * - resources: the MCP server (uid and name = server id, type `mcp_server`, labels = tags).
 * - evidences: one per alert, most severe first (name = kind, uid = alert id, data = subject,
 *   summary, severity and the bounded evidence).
 * - remediation: the alerts' remediation texts, with the incident's links as references.
 */

export const OCSF_VERSION = '1.5.0';
export const DETECTION_FINDING_CLASS_UID = 2004;
export const FINDINGS_CATEGORY_UID = 2;
/** Largest event we emit (Kafka takes more; SIEM ingest paths often do not). */
export const OCSF_MAX_EVENT_BYTES = 512 * 1024;

export const OCSF_ACTIVITY: Record<IncidentTransition, { id: 1 | 2 | 3; name: 'Create' | 'Update' | 'Close' }> = {
  trigger: { id: 1, name: 'Create' },
  update: { id: 2, name: 'Update' },
  acknowledge: { id: 2, name: 'Update' },
  resolve: { id: 3, name: 'Close' },
};

export const OCSF_SEVERITY: Record<Severity, { id: 1 | 2 | 3 | 4 | 5; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

export const OCSF_STATUS: Record<IncidentStatus, { id: 1 | 2 | 4; name: string }> = {
  open: { id: 1, name: 'New' },
  acknowledged: { id: 2, name: 'In Progress' },
  resolved: { id: 4, name: 'Resolved' },
};

export interface OcsfOptions {
  /** Driftwatch's own version, for metadata.product.version. */
  productVersion?: string;
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
};

export function detectionFinding(n: Notification, options: OcsfOptions = {}): Record<string, unknown> {
  const { incident } = n;
  const activity = OCSF_ACTIVITY[n.transition];
  // The status follows the transition even if the view lags: a Close is always Resolved.
  const status = n.transition === 'resolve' ? OCSF_STATUS.resolved : OCSF_STATUS[incident.status];
  const severity = OCSF_SEVERITY[incident.severity];
  const alerts = alertsBySeverity(incident);
  const title = clip(visible(incident.title), 1024);
  const references = [n.links.console, n.links.api].filter((l): l is string => !!l);

  const build = (budget: Budget): Record<string, unknown> => {
    const kept = alerts.slice(0, Math.max(1, budget.maxAlerts));
    const remediations = [...new Set(kept.map((a) => a.remediation).filter((r): r is string => !!r))];
    const remediation = clip(remediations.join('\n\n') || 'Review the change in Driftwatch; approve it as the new baseline if it is expected, otherwise keep the server quarantined.', Math.max(512, budget.textChars * 4));
    return {
      class_uid: DETECTION_FINDING_CLASS_UID,
      class_name: 'Detection Finding',
      category_uid: FINDINGS_CATEGORY_UID,
      category_name: 'Findings',
      activity_id: activity.id,
      activity_name: activity.name,
      type_uid: DETECTION_FINDING_CLASS_UID * 100 + activity.id,
      type_name: `Detection Finding: ${activity.name}`,
      time: ms(n.time),
      severity_id: severity.id,
      severity: severity.name,
      status_id: status.id,
      status: status.name,
      message: title,
      is_alert: n.transition !== 'resolve',
      metadata: {
        version: OCSF_VERSION,
        product: { name: 'Driftwatch', vendor_name: 'Driftwatch', ...(options.productVersion ? { version: options.productVersion } : {}) },
        uid: n.idempotencyKey,
        correlation_uid: incident.groupKey,
        log_name: 'mcp.ocsf.v1',
        labels: incident.tags,
      },
      finding_info: {
        uid: incident.id,
        title,
        desc: clip(kept.map((a) => visible(a.summary)).join('\n'), 8192),
        types: [...new Set(alerts.map((a) => a.kind))],
        created_time: ms(incident.openedAt),
        first_seen_time: ms(incident.openedAt),
        last_seen_time: ms(incident.lastChangeAt),
        modified_time: ms(n.time),
        ...(n.links.console || n.links.api ? { src_url: (n.links.console ?? n.links.api)! } : {}),
        product: { name: 'Driftwatch', vendor_name: 'Driftwatch' },
      },
      resources: [{ uid: incident.serverId, name: incident.serverId, type: 'mcp_server', labels: incident.tags }],
      evidences: kept.map((a) => ({
        uid: a.id,
        name: a.kind,
        data: {
          subject: a.subject,
          severity: a.severity,
          status: a.status,
          summary: a.summary,
          time: a.time,
          ...(budget.evidenceBytes > 0 && a.evidence !== undefined ? { evidence: boundValue(a.evidence, budget.evidenceBytes) } : {}),
        },
      })),
      remediation: { desc: remediation, ...(references.length > 0 ? { references } : {}) },
      unmapped: {
        driftwatch: {
          transition: n.transition,
          incident_status: incident.status,
          quarantined: incident.quarantined,
          alert_count: alerts.length,
          ...(incident.acknowledgedBy ? { acknowledged_by: incident.acknowledgedBy } : {}),
          ...(incident.resolvedBy ? { resolved_by: incident.resolvedBy } : {}),
        },
      },
    };
  };
  return fitToBytes(build, OCSF_MAX_EVENT_BYTES).value;
}
