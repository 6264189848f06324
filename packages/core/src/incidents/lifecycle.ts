import type { Alert } from '../schemas/alert.js';
import { maxSeverity, severityRank, type Severity } from '../severity.js';
import { stableId } from '../ids.js';
import type { IncidentTransition } from './notification.js';
import type { IncidentTiming, ResolvedFlapRule } from './policy.js';
import { isFiring, keptFiringUntil } from './flap.js';
import { sha256Hex } from '../canonical.js';
import {
  MAX_EVIDENCE_ALERTS,
  MAX_INCIDENT_EVIDENCE_BYTES,
  MAX_INCIDENT_ALERTS,
  MAX_INCIDENT_TEXT,
  MAX_TIMELINE,
  type IncidentAlert,
  type IncidentRecord,
  type TimelineEntry,
} from './record.js';

/*
 * The incident state machine: open → acknowledged → resolved. Pure functions from a record (and
 * what happened) to the next record; the responder and the API persist them with compare-and-set.
 * Records passed in are never mutated.
 */

export type FlapRuleOf = (kind: string) => ResolvedFlapRule;

/** A human asked for a transition the incident cannot make. */
export class IncidentTransitionError extends Error {
  override readonly name = 'IncidentTransitionError';
  constructor(
    readonly code: 'already_acknowledged' | 'already_resolved',
    message: string,
  ) {
    super(message);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function clone(r: IncidentRecord): IncidentRecord {
  return structuredClone(r);
}

function pushTimeline(r: IncidentRecord, entry: TimelineEntry): void {
  r.timeline.push(entry);
  // Keep the opening entry; drop the oldest after it.
  if (r.timeline.length > MAX_TIMELINE) r.timeline.splice(1, r.timeline.length - MAX_TIMELINE);
}

export function incidentIdOf(groupKey: string, firstAlertId: string): string {
  return stableId('inc', groupKey, firstAlertId);
}

/**
 * Evidence as the incident keeps it: whole up to MAX_INCIDENT_EVIDENCE_BYTES, else a marker with
 * its size, hash and head (every write of the incident rewrites it; the alert store has it all).
 */
export function boundEvidence(evidence: unknown): unknown {
  const json = JSON.stringify(evidence) ?? 'null';
  const bytes = new TextEncoder().encode(json).length;
  if (bytes <= MAX_INCIDENT_EVIDENCE_BYTES) return evidence;
  return { truncated: true, bytes, sha256: sha256Hex(json), head: json.slice(0, 2000) };
}

function toIncidentAlert(alert: Alert, receivers: string[], flap: ResolvedFlapRule, now: Date, withEvidence: boolean): IncidentAlert {
  return {
    id: alert.id,
    dedupKey: alert.dedupKey,
    kind: alert.kind,
    subject: alert.subject,
    severity: alert.severity,
    summary: alert.summary,
    explanation: clip(alert.explanation, MAX_INCIDENT_TEXT),
    remediation: clip(alert.remediation, MAX_INCIDENT_TEXT),
    ...(withEvidence ? { evidence: boundEvidence(alert.evidence) } : {}),
    ...(alert.pollId !== undefined ? { pollId: alert.pollId } : {}),
    ...(alert.confidence !== undefined ? { confidence: alert.confidence } : {}),
    status: 'open',
    time: alert.time,
    firstSeen: now.toISOString(),
    receivers: [...receivers],
    ...(flap.for <= 1 ? { firingSince: now.toISOString() } : {}),
  };
}

/** The highest-severity open alert's summary (the first one among equals), and how many more. */
function titleOf(r: IncidentRecord): string {
  const pool = r.alerts.some((a) => a.status === 'open') ? r.alerts.filter((a) => a.status === 'open') : r.alerts;
  let top = pool[0];
  for (const a of pool) if (top && severityRank(a.severity) > severityRank(top.severity)) top = a;
  if (!top) return `[${r.serverId}] incident`;
  const more = pool.length - 1 + r.droppedAlerts;
  return clip(more > 0 ? `${top.summary} (+${more} more)` : top.summary, 1024);
}

function refresh(r: IncidentRecord, now: Date): void {
  r.severity = r.alerts.reduce<Severity>((s, a) => maxSeverity(s, a.severity), 'info');
  r.title = titleOf(r);
  r.lastChangeAt = now.toISOString();
}

/**
 * Something changed: make sure the incident is looked at, Alertmanager-style. Before its first
 * notification it waits `group_wait` from its opening; after, changes go out at most once per
 * `group_interval`. An earlier planned look stays.
 */
export function scheduleChange(r: IncidentRecord, now: Date): void {
  const t = now.getTime();
  let due: number;
  if (r.status === 'resolved') {
    if (r.notify.seen.length === 0 || r.notify.resolveSent) return;
    due = r.notify.lastFlushAt ? Math.max(t, Date.parse(r.notify.lastFlushAt) + r.timing.groupIntervalS * 1000) : t;
  } else if (!r.notify.lastFlushAt) {
    due = Math.max(t, Date.parse(r.openedAt) + r.timing.groupWaitS * 1000);
  } else {
    due = Math.max(t, Date.parse(r.notify.lastFlushAt) + r.timing.groupIntervalS * 1000);
  }
  const current = r.notify.nextFlushAt ? Date.parse(r.notify.nextFlushAt) : Number.POSITIVE_INFINITY;
  r.notify.nextFlushAt = iso(Math.min(current, due));
}

export interface OpenIncidentInput {
  alert: Alert;
  groupKey: string;
  receivers: string[];
  timing: IncidentTiming;
  tags: readonly string[];
  flap: ResolvedFlapRule;
  now: Date;
}

/** A new incident around its first alert (store it with expected version 0). */
export function openIncident(input: OpenIncidentInput): IncidentRecord {
  const { alert, now } = input;
  const at = now.toISOString();
  const r: IncidentRecord = {
    version: 1,
    id: incidentIdOf(input.groupKey, alert.id),
    serverId: alert.serverId,
    groupKey: input.groupKey,
    status: 'open',
    severity: alert.severity,
    title: '',
    tags: [...input.tags],
    openedAt: at,
    lastChangeAt: at,
    quarantined: false,
    wouldQuarantine: false,
    timing: { ...input.timing },
    alerts: [toIncidentAlert(alert, input.receivers, input.flap, now, true)],
    droppedAlerts: 0,
    notify: { seq: 0, seen: [], ackSent: false, resolveSent: false, notifiedQuarantined: false },
    outbox: [],
    timeline: [{ at, event: 'opened', detail: `${alert.kind} ${alert.subject} (${alert.severity})` }],
  };
  refresh(r, now);
  scheduleChange(r, now);
  return r;
}

export interface AddAlertInput {
  alert: Alert;
  receivers: string[];
  flap: ResolvedFlapRule;
  now: Date;
}

/**
 * Adds a trigger to an open or acknowledged incident. The same alert again (a redelivery) changes
 * nothing and returns the record itself. A newer alert under an open dedup key supersedes the
 * older one; one that comes back while the old one is still inside `keep_firing_for` continues
 * it (no new notification for the same condition).
 */
export function addAlert(rec: IncidentRecord, input: AddAlertInput): IncidentRecord {
  const { alert, now } = input;
  if (rec.alerts.some((a) => a.id === alert.id)) return rec;
  const r = clone(rec);
  const at = now.toISOString();
  if (r.alerts.length >= MAX_INCIDENT_ALERTS) {
    r.droppedAlerts++;
    refresh(r, now);
    return r;
  }
  const added = toIncidentAlert(alert, input.receivers, input.flap, now, r.alerts.length < MAX_EVIDENCE_ALERTS);
  for (const prior of r.alerts) {
    if (prior.dedupKey !== alert.dedupKey) continue;
    if (prior.status === 'open') {
      // New evidence under the same key: news (notified again), but already past `for`.
      prior.status = 'resolved';
      prior.resolvedAt = at;
      prior.resolvedBy = `superseded by ${alert.id}`;
      if (prior.firingSince) added.firingSince ??= prior.firingSince;
    } else if (keptFiringUntil(prior, input.flap) > now.getTime()) {
      // Back inside `keep_firing_for`: the same episode, nothing new to tell anyone.
      if (prior.firingSince) added.firingSince = prior.firingSince;
      if (prior.notified) added.notified = true;
    }
  }
  r.alerts.push(added);
  pushTimeline(r, { at, event: 'alert.added', detail: `${alert.kind} ${alert.subject} (${alert.severity})` });
  refresh(r, now);
  scheduleChange(r, now);
  return r;
}

/** The resolve for an alert (by id, else the open alert under the dedup key). Unknown: the record itself. */
export function resolveAlert(
  rec: IncidentRecord,
  input: { alertId?: string; dedupKey?: string; by: string; now: Date; flapOf: FlapRuleOf },
): IncidentRecord {
  const idx = rec.alerts.findIndex(
    (a) => a.status === 'open' && ((input.alertId !== undefined && a.id === input.alertId) || (input.dedupKey !== undefined && a.dedupKey === input.dedupKey)),
  );
  if (idx < 0) return rec;
  const r = clone(rec);
  const a = r.alerts[idx]!;
  const at = input.now.toISOString();
  a.status = 'resolved';
  a.resolvedAt = at;
  a.resolvedBy = clip(input.by, 256);
  pushTimeline(r, { at, event: 'alert.resolved', detail: clip(`${a.kind} ${a.subject}: ${input.by}`, 2000) });
  refresh(r, input.now);
  const settled = settle(r, input.flapOf, input.now);
  scheduleChange(settled, input.now);
  return settled;
}

/** Resolves the incident once every alert is resolved and none keeps firing (`keep_firing_for`). */
export function settle(rec: IncidentRecord, flapOf: FlapRuleOf, now: Date): IncidentRecord {
  if (rec.status === 'resolved' || rec.alerts.length === 0) return rec;
  if (rec.alerts.some((a) => a.status === 'open' || isFiring(a, flapOf(a.kind), now))) return rec;
  const r = clone(rec);
  const at = now.toISOString();
  const last = [...r.alerts].sort((x, y) => Date.parse(y.resolvedAt ?? at) - Date.parse(x.resolvedAt ?? at))[0];
  r.status = 'resolved';
  r.resolvedAt = at;
  r.resolvedBy = clip(last?.resolvedBy ?? 'alerts resolved', 256);
  pushTimeline(r, { at, event: 'resolved', detail: 'every alert resolved' });
  r.lastChangeAt = at;
  scheduleChange(r, now);
  return r;
}

/** The server was quarantined (or, in a dry run, would have been) because of this incident's alert. */
export function markQuarantine(rec: IncidentRecord, input: { would: boolean; alertId: string; now: Date }): IncidentRecord {
  if (input.would ? rec.wouldQuarantine : rec.quarantined) return rec;
  const r = clone(rec);
  const at = input.now.toISOString();
  if (input.would) r.wouldQuarantine = true;
  else r.quarantined = true;
  pushTimeline(r, { at, event: input.would ? 'would_quarantine' : 'quarantined', detail: `alert ${input.alertId}` });
  r.lastChangeAt = at;
  if (r.status !== 'resolved') scheduleChange(r, input.now);
  return r;
}

function appendOutbox(r: IncidentRecord, transition: IncidentTransition, receivers: readonly string[], now: Date): void {
  if (receivers.length === 0) return;
  r.notify.seq++;
  r.outbox.push({ seq: r.notify.seq, transition, receivers: [...receivers], at: now.toISOString() });
}

/** A human acknowledges: every receiver that saw the incident hears it now (not batched). */
export function acknowledge(rec: IncidentRecord, actor: string, reason: string | undefined, now: Date): IncidentRecord {
  if (rec.status === 'resolved') throw new IncidentTransitionError('already_resolved', `incident ${rec.id} is resolved`);
  if (rec.status === 'acknowledged') throw new IncidentTransitionError('already_acknowledged', `incident ${rec.id} is already acknowledged by ${rec.acknowledgedBy ?? 'someone'}`);
  const r = clone(rec);
  const at = now.toISOString();
  r.status = 'acknowledged';
  r.acknowledgedAt = at;
  r.acknowledgedBy = actor;
  r.lastChangeAt = at;
  pushTimeline(r, { at, event: 'acknowledged', actor, ...(reason ? { detail: clip(reason, 2000) } : {}) });
  if (r.notify.seen.length) {
    appendOutbox(r, 'acknowledge', r.notify.seen, now);
    r.notify.ackSent = true;
  }
  return r;
}

/** A human resolves: its alerts stay as they are (drift is still drift until approved). */
export function resolveByHuman(rec: IncidentRecord, actor: string, reason: string, now: Date): IncidentRecord {
  if (rec.status === 'resolved') throw new IncidentTransitionError('already_resolved', `incident ${rec.id} is already resolved`);
  const r = clone(rec);
  const at = now.toISOString();
  r.status = 'resolved';
  r.resolvedAt = at;
  r.resolvedBy = actor;
  r.lastChangeAt = at;
  pushTimeline(r, { at, event: 'resolved', actor, detail: clip(reason, 2000) });
  if (r.notify.seen.length && !r.notify.resolveSent) {
    appendOutbox(r, 'resolve', r.notify.seen, now);
    r.notify.resolveSent = true;
  }
  delete r.notify.nextFlushAt;
  return r;
}

/** Something outside the incident changed (a silence ended, a quarantine was lifted): look again soon. */
export function pokeIncident(rec: IncidentRecord, now: Date): IncidentRecord {
  if (rec.status === 'resolved') return rec;
  const r = clone(rec);
  scheduleChange(r, now);
  return r.notify.nextFlushAt === rec.notify.nextFlushAt ? rec : r;
}

/** The outbox entries with these sequence numbers became delivery records. */
export function takeOutbox(rec: IncidentRecord, seqs: readonly number[]): IncidentRecord {
  if (!rec.outbox.some((e) => seqs.includes(e.seq))) return rec;
  const r = clone(rec);
  r.outbox = r.outbox.filter((e) => !seqs.includes(e.seq));
  return r;
}

export { appendOutbox as appendOutboxEntry, pushTimeline as pushTimelineEntry };
