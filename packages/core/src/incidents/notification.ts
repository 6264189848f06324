import type { Severity } from '../severity.js';

/**
 * The contract between the incident engine (which decides what to tell whom) and the receivers
 * (which only know how to say it: PagerDuty, Slack, signed webhook, OCSF). See DESIGN.md,
 * "Incidents". Receivers are pure translators plus one HTTP/Kafka call; they never decide.
 */

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/** What happened to the incident: each one is delivered once per receiver that saw the incident. */
export type IncidentTransition = 'trigger' | 'update' | 'acknowledge' | 'resolve';

export interface IncidentAlertRef {
  id: string;
  kind: string;
  subject: string;
  severity: Severity;
  summary: string;
  explanation?: string;
  remediation?: string;
  /** Bounded evidence as stored on the alert (diff excerpts, matched text). */
  evidence?: unknown;
  status: 'open' | 'resolved';
  time: string;
}

export interface IncidentView {
  /** Stable id: the PagerDuty dedup_key and the OCSF finding_info.uid (≤ 255 chars). */
  id: string;
  serverId: string;
  groupKey: string;
  status: IncidentStatus;
  /** The highest severity of its alerts. */
  severity: Severity;
  title: string;
  alerts: IncidentAlertRef[];
  tags: string[];
  openedAt: string;
  lastChangeAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /** Whether the server is quarantined because of (or during) this incident. */
  quarantined: boolean;
}

export interface Notification {
  incident: IncidentView;
  transition: IncidentTransition;
  /** Unique per (incident, transition sequence, receiver): receivers that support it pass it on. */
  idempotencyKey: string;
  /** When the transition happened (ISO). */
  time: string;
  /** Absolute URLs a human can open: the incident in the API, the SOC console page. */
  links: { api?: string; console?: string };
}

export type DeliveryOutcome =
  | { ok: true; detail?: string }
  /** retryable: 429/5xx/network/timeouts; permanent: 4xx other than 429, payload refused. */
  | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export interface Receiver {
  /** The receiver's name in the config (`receivers.<name>`). */
  readonly name: string;
  readonly kind: 'pagerduty' | 'slack' | 'webhook' | 'ocsf';
  deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome>;
  close?(): Promise<void>;
}
