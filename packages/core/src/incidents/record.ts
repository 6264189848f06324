import { z } from 'zod';
import { Severity } from '../severity.js';
import { IsoTime, ServerId } from '../schemas/envelope.js';
import { BoundedJson } from '../schemas/json-value.js';

/*
 * What the store keeps about an incident. The record is its own outbox: a transition to notify
 * is appended to `outbox` in the same (compare-and-set) write that changes the incident, and the
 * responder turns outbox entries into delivery records (idempotently) afterwards. A crash between
 * the two loses nothing and repeats nothing.
 */

/** Alerts kept per incident; beyond it, further alerts are counted, not kept. */
export const MAX_INCIDENT_ALERTS = 500;
/** Timeline entries kept per incident (the oldest go first, except the opening). */
export const MAX_TIMELINE = 200;
/** Alerts whose evidence is kept in the incident (the alert store keeps all of it). */
export const MAX_EVIDENCE_ALERTS = 25;
/** Explanation and remediation texts are clipped to this in the incident. */
export const MAX_INCIDENT_TEXT = 4000;
/** Evidence larger than this (as JSON) is kept as a marker in the incident; the alert has it whole. */
export const MAX_INCIDENT_EVIDENCE_BYTES = 16 * 1024;

const Name = z.string().min(1).max(256);

export const IncidentAlertSchema = z.object({
  id: z.string().min(1).max(200),
  dedupKey: z.string().min(1).max(1024),
  kind: z.string().min(1).max(128),
  subject: z.string().max(512),
  severity: Severity,
  summary: z.string().max(300),
  explanation: z.string().max(MAX_INCIDENT_TEXT).optional(),
  remediation: z.string().max(MAX_INCIDENT_TEXT).optional(),
  evidence: BoundedJson.optional(),
  pollId: z.string().max(200).optional(),
  confidence: z.number().min(0).max(1).optional(),
  status: z.enum(['open', 'resolved']),
  /** The alert's own time (when the differ saw it). */
  time: IsoTime,
  /** When the responder added it to this incident. */
  firstSeen: IsoTime,
  resolvedAt: IsoTime.optional(),
  resolvedBy: z.string().max(256).optional(),
  /** Receivers of the routes it matched; empty: recorded, never notified. */
  receivers: z.array(Name).max(64),
  /** When it started firing (flap control's `for` met); unset while pending. */
  firingSince: IsoTime.optional(),
  /** As of the last evaluation: the silences muting it. */
  silencedBy: z.array(z.string().max(200)).max(64).optional(),
  /** As of the last evaluation: why it is inhibited. */
  inhibitedBy: z.string().max(256).optional(),
  /** It has been part of a notification. */
  notified: z.boolean().optional(),
});
export type IncidentAlert = z.infer<typeof IncidentAlertSchema>;

export const IncidentTransitionSchema = z.enum(['trigger', 'update', 'acknowledge', 'resolve']);

export const OutboxEntrySchema = z.object({
  seq: z.number().int().min(1),
  transition: IncidentTransitionSchema,
  receivers: z.array(Name).max(64),
  at: IsoTime,
});
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

export const TimelineEntrySchema = z.object({
  at: IsoTime,
  event: z.string().min(1).max(64),
  actor: z.string().max(256).optional(),
  detail: z.string().max(2000).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const IncidentRecordSchema = z.object({
  /** Compare-and-set version: every write increments it. */
  version: z.number().int().min(1),
  id: z.string().min(1).max(255),
  serverId: ServerId,
  groupKey: z.string().min(1).max(2048),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  severity: Severity,
  title: z.string().max(1024),
  tags: z.array(z.string().max(64)).max(32),
  openedAt: IsoTime,
  lastChangeAt: IsoTime,
  acknowledgedAt: IsoTime.optional(),
  acknowledgedBy: z.string().max(256).optional(),
  resolvedAt: IsoTime.optional(),
  resolvedBy: z.string().max(256).optional(),
  quarantined: z.boolean(),
  /** Dry run: policy would have quarantined the server. */
  wouldQuarantine: z.boolean(),
  timing: z.object({ groupWaitS: z.number().min(0), groupIntervalS: z.number().min(0), repeatIntervalS: z.number().min(0) }),
  alerts: z.array(IncidentAlertSchema).max(MAX_INCIDENT_ALERTS),
  /** Alerts that arrived after MAX_INCIDENT_ALERTS were kept. */
  droppedAlerts: z.number().int().min(0),
  notify: z.object({
    /** The last transition sequence number handed out. */
    seq: z.number().int().min(0),
    /** When the incident must be evaluated next; unset: nothing is due until something changes. */
    nextFlushAt: IsoTime.optional(),
    /** When a trigger or update was last sent. */
    lastFlushAt: IsoTime.optional(),
    /** The severity and quarantine last notified: a rise (or an alert not yet notified) means an update. */
    notifiedSeverity: Severity.optional(),
    notifiedQuarantined: z.boolean(),
    /** Receivers that got a trigger: they get every later transition. */
    seen: z.array(Name).max(64),
    ackSent: z.boolean(),
    resolveSent: z.boolean(),
  }),
  outbox: z.array(OutboxEntrySchema).max(64),
  timeline: z.array(TimelineEntrySchema).max(MAX_TIMELINE),
});
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;

/** Whether the responder still has work on it: the store keeps such incidents in an index. */
export function incidentNeedsAttention(r: IncidentRecord): boolean {
  return r.status !== 'resolved' || r.outbox.length > 0 || r.notify.nextFlushAt !== undefined;
}
