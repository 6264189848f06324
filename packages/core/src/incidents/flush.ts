import { maxSeverity, severityRank, type Severity } from '../severity.js';
import type { Silence } from './silence.js';
import { silenceMatches } from './silence.js';
import { inhibitionOf, type InhibitionContext } from './inhibit.js';
import { flapCheck, isFiring, keptFiringUntil, type ObservationContext } from './flap.js';
import { appendOutboxEntry, pushTimelineEntry, settle, type FlapRuleOf } from './lifecycle.js';
import type { IncidentRecord } from './record.js';

/** What the responder read about the world before it evaluates an incident. */
export interface FlushContext {
  flapOf: FlapRuleOf;
  /** Silences in effect or scheduled (inactive ones are ignored). */
  silences: readonly Silence[];
  inhibition: InhibitionContext;
  observation: ObservationContext;
}

/**
 * Evaluates an incident whose planned look (`notify.nextFlushAt`) is due, Alertmanager's notify
 * pipeline in one function: flap control → inhibition → silences → what changed since the last
 * notification → outbox entries (trigger for receivers new to it, update for the others when
 * something was added or rose, or when `repeat_interval` passed; resolve once it is resolved).
 * Returns the record itself when nothing is due.
 */
export function planFlush(rec: IncidentRecord, ctx: FlushContext, now: Date): IncidentRecord {
  const settled = settle(rec, ctx.flapOf, now);
  const t = now.getTime();
  if (settled.notify.nextFlushAt === undefined || Date.parse(settled.notify.nextFlushAt) > t) return settled;
  const r = settled === rec ? structuredClone(rec) : settled;
  const at = now.toISOString();
  let next = Number.POSITIVE_INFINITY;
  const lookAgainAt = (ms: number): void => {
    if (Number.isFinite(ms)) next = Math.min(next, ms);
  };
  const groupIntervalMs = r.timing.groupIntervalS * 1000;

  /** Firing and not muted: what a notification shows. Those with receivers decide whether one goes out. */
  const shown: IncidentRecord['alerts'] = [];
  for (const a of r.alerts) {
    const rule = ctx.flapOf(a.kind);
    if (a.status === 'open' && !a.firingSince) {
      const check = flapCheck(a, rule, ctx.observation, now);
      if (check.fire) a.firingSince = at;
      else lookAgainAt(check.recheckAt);
    }
    const silences = a.status === 'open' ? ctx.silences.filter((s) => silenceMatches(s, { serverId: r.serverId, kind: a.kind, severity: a.severity }, r.tags, now)) : [];
    if (silences.length) {
      a.silencedBy = silences.map((s) => s.id);
      for (const s of silences) lookAgainAt(Date.parse(s.endsAt));
    } else delete a.silencedBy;
    const inhibited = a.status === 'open' ? inhibitionOf(a, ctx.inhibition) : undefined;
    if (inhibited) {
      a.inhibitedBy = inhibited;
      lookAgainAt(t + groupIntervalMs);
    } else delete a.inhibitedBy;
    const keptUntil = keptFiringUntil(a, rule);
    if (keptUntil > t) lookAgainAt(keptUntil);
    if (isFiring(a, rule, now) && !a.silencedBy && !a.inhibitedBy) shown.push(a);
  }
  const notifiable = shown.filter((a) => a.receivers.length > 0);

  if (r.status === 'resolved') {
    if (r.notify.seen.length && !r.notify.resolveSent) {
      appendOutboxEntry(r, 'resolve', r.notify.seen, now);
      r.notify.resolveSent = true;
      pushTimelineEntry(r, { at, event: 'notified', detail: `resolve → ${r.notify.seen.join(', ')}` });
    }
    delete r.notify.nextFlushAt;
    return r;
  }

  const receivers = [...new Set(notifiable.flatMap((a) => a.receivers))];
  const seen = r.notify.seen;
  const newcomers = receivers.filter((name) => !seen.includes(name));
  const severity = notifiable.reduce<Severity>((s, a) => maxSeverity(s, a.severity), 'info');
  const news =
    notifiable.some((a) => !a.notified) ||
    (notifiable.length > 0 && (r.notify.notifiedSeverity === undefined || severityRank(severity) > severityRank(r.notify.notifiedSeverity))) ||
    (r.quarantined && !r.notify.notifiedQuarantined);
  const repeatDue = r.notify.lastFlushAt !== undefined && t >= Date.parse(r.notify.lastFlushAt) + r.timing.repeatIntervalS * 1000;

  const sent: string[] = [];
  if (newcomers.length) {
    appendOutboxEntry(r, 'trigger', newcomers, now);
    sent.push(`trigger → ${newcomers.join(', ')}`);
    // Acknowledged before anyone heard of it: they learn both, in order.
    if (r.status === 'acknowledged') {
      appendOutboxEntry(r, 'acknowledge', newcomers, now);
      r.notify.ackSent = true;
    }
  }
  if (seen.length && notifiable.length && (news || repeatDue)) {
    appendOutboxEntry(r, 'update', seen, now);
    sent.push(`${news ? 'update' : 'repeat'} → ${seen.join(', ')}`);
  }
  if (sent.length) {
    r.notify.lastFlushAt = at;
    r.notify.seen = [...seen, ...newcomers];
    r.notify.notifiedSeverity = severity;
    r.notify.notifiedQuarantined = r.quarantined;
    for (const a of shown) a.notified = true;
    pushTimelineEntry(r, { at, event: 'notified', detail: sent.join('; ') });
  }
  if (r.notify.lastFlushAt && notifiable.length && r.notify.seen.length) {
    lookAgainAt(Date.parse(r.notify.lastFlushAt) + r.timing.repeatIntervalS * 1000);
  }
  if (Number.isFinite(next)) {
    // After a notification, changes wait for `group_interval`.
    const floor = r.notify.lastFlushAt ? Date.parse(r.notify.lastFlushAt) + groupIntervalMs : t;
    r.notify.nextFlushAt = new Date(Math.max(next, floor, t + 1)).toISOString();
  } else delete r.notify.nextFlushAt;
  return r;
}
