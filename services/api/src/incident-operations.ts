import { randomUUID } from 'node:crypto';
import {
  acknowledge,
  incidentView,
  IncidentTransitionError,
  makeAction,
  NO_SERVER,
  resolveByHuman,
  TOPICS,
  type Action,
  type DeliveryRecord,
  type IncidentRecord,
  type IncidentView,
  type Silence,
} from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import { updateIncident, type StatePort } from '@driftwatch/store';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError } from './control.js';
import { MAX_SILENCE_S, type IncidentQuery, type SilenceBody, type SilenceQuery } from './incident-bodies.js';

/*
 * Incident and silence operations (DESIGN.md, "Incidents"), as plain functions: the HTTP layer
 * parses with the schemas in incident-bodies.ts, checks the scope (`read` for GETs, `operate`
 * for the rest) and passes the authenticated actor. Errors are HttpErrors (NotFoundError 404,
 * InvalidInputError 400) or ConflictError (409). Every mutation is audited (mcp.actions.v1 and
 * the audit store).
 */

export interface IncidentOpsDeps {
  store: StatePort;
  bus: BusPort;
  now: () => Date;
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class InvalidInputError extends HttpError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

/** Silences that match every server are audited under this server id. */
export const ALL_SERVERS = NO_SERVER;

export interface IncidentSummary {
  id: string;
  serverId: string;
  groupKey: string;
  status: IncidentRecord['status'];
  severity: IncidentRecord['severity'];
  title: string;
  tags: string[];
  openedAt: string;
  lastChangeAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  quarantined: boolean;
  wouldQuarantine: boolean;
  alertCounts: { total: number; open: number; silenced: number; inhibited: number };
  /** Receivers that were told about it. */
  notified: string[];
}

export interface DeliveryView {
  idempotencyKey: string;
  receiver: string;
  transition: DeliveryRecord['transition'];
  seq: number;
  status: DeliveryRecord['status'];
  attempts: number;
  createdAt: string;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  deliveredAt?: string;
  failedAt?: string;
  lastError?: string;
}

export interface IncidentDetail {
  incident: IncidentSummary & {
    alerts: Array<IncidentView['alerts'][number] & { firing: boolean; silencedBy?: string[]; inhibitedBy?: string; notified: boolean }>;
    droppedAlerts: number;
    notifications: { nextEvaluationAt?: string; lastNotifiedAt?: string };
  };
  timeline: IncidentRecord['timeline'];
  deliveries: DeliveryView[];
}

function summaryOf(r: IncidentRecord): IncidentSummary {
  return {
    id: r.id,
    serverId: r.serverId,
    groupKey: r.groupKey,
    status: r.status,
    severity: r.severity,
    title: r.title,
    tags: r.tags,
    openedAt: r.openedAt,
    lastChangeAt: r.lastChangeAt,
    ...(r.acknowledgedAt ? { acknowledgedAt: r.acknowledgedAt } : {}),
    ...(r.acknowledgedBy ? { acknowledgedBy: r.acknowledgedBy } : {}),
    ...(r.resolvedAt ? { resolvedAt: r.resolvedAt } : {}),
    ...(r.resolvedBy ? { resolvedBy: r.resolvedBy } : {}),
    quarantined: r.quarantined,
    wouldQuarantine: r.wouldQuarantine,
    alertCounts: {
      total: r.alerts.length + r.droppedAlerts,
      open: r.alerts.filter((a) => a.status === 'open').length,
      silenced: r.alerts.filter((a) => a.silencedBy?.length).length,
      inhibited: r.alerts.filter((a) => a.inhibitedBy).length,
    },
    notified: [...r.notify.seen],
  };
}

function deliveryView(d: DeliveryRecord): DeliveryView {
  return {
    idempotencyKey: d.key,
    receiver: d.receiver,
    transition: d.transition,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt,
    ...(d.status === 'pending' || d.status === 'sending' ? { nextAttemptAt: d.nextAttemptAt } : {}),
    ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt } : {}),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt } : {}),
    ...(d.failedAt ? { failedAt: d.failedAt } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
  };
}

function encodeCursor(r: IncidentRecord): string {
  return Buffer.from(JSON.stringify({ o: r.openedAt, i: r.id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { openedAt: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; i?: unknown };
    if (typeof v.o === 'string' && typeof v.i === 'string' && Number.isFinite(Date.parse(v.o)) && v.i.length <= 255) return { openedAt: v.o, id: v.i };
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor: not a cursor this API handed out');
}

async function audit(deps: IncidentOpsDeps, action: Action): Promise<void> {
  await deps.bus.publish(TOPICS.actions, action.serverId, action);
  await deps.store.appendAudit(action);
}

/** GET /v1/incidents: newest first, filtered, a page at a time. */
export async function listIncidents(deps: IncidentOpsDeps, query: IncidentQuery): Promise<{ incidents: IncidentSummary[]; nextCursor?: string }> {
  const limit = query.limit;
  const rows = await deps.store.listIncidents({
    limit: limit + 1,
    ...(query.status ? { status: query.status } : {}),
    ...(query.serverId ? { serverId: query.serverId } : {}),
    ...(query.minSeverity ? { minSeverity: query.minSeverity } : {}),
    ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { incidents: page.map(summaryOf), ...(rows.length > limit && last ? { nextCursor: encodeCursor(last) } : {}) };
}

/** GET /v1/incidents/{id}: its alerts (with silence, inhibition and flap state), timeline and deliveries. */
export async function getIncident(deps: IncidentOpsDeps, id: string): Promise<IncidentDetail> {
  const r = await deps.store.getIncident(id);
  if (!r) throw new NotFoundError(`no incident with id "${id}"`);
  const deliveries = await deps.store.listDeliveries(r.id);
  const byId = new Map(r.alerts.map((a) => [a.id, a]));
  return {
    incident: {
      ...summaryOf(r),
      alerts: incidentView(r).alerts.map((ref) => {
        const a = byId.get(ref.id)!;
        return {
          ...ref,
          firing: a.firingSince !== undefined,
          ...(a.silencedBy?.length ? { silencedBy: a.silencedBy } : {}),
          ...(a.inhibitedBy ? { inhibitedBy: a.inhibitedBy } : {}),
          notified: a.notified === true,
        };
      }),
      droppedAlerts: r.droppedAlerts,
      notifications: {
        ...(r.notify.nextFlushAt ? { nextEvaluationAt: r.notify.nextFlushAt } : {}),
        ...(r.notify.lastFlushAt ? { lastNotifiedAt: r.notify.lastFlushAt } : {}),
      },
    },
    timeline: r.timeline,
    deliveries: deliveries.map(deliveryView),
  };
}

async function transition(
  deps: IncidentOpsDeps,
  id: string,
  kind: 'incident.ack' | 'incident.resolve',
  actor: string,
  reason: string | undefined,
  change: (r: IncidentRecord, now: Date) => IncidentRecord,
): Promise<{ incident: IncidentSummary; actionId: string }> {
  const now = deps.now();
  let res;
  try {
    res = await updateIncident(deps.store, id, (cur) => change(cur, now));
  } catch (err) {
    if (err instanceof IncidentTransitionError) throw new ConflictError(err.code, err.message);
    throw err;
  }
  if (!res) throw new NotFoundError(`no incident with id "${id}"`);
  const r = res.after;
  const told = r.outbox.filter((e) => !res.before.outbox.some((b) => b.seq === e.seq)).flatMap((e) => e.receivers);
  const time = now.toISOString();
  const action = makeAction(
    {
      serverId: r.serverId,
      action: kind,
      actor,
      reason: reason ?? (kind === 'incident.ack' ? 'acknowledged' : 'resolved'),
      time,
      details: { incidentId: r.id, title: r.title, receivers: told },
    },
    [r.id, kind, actor, time],
  );
  // The incident is written first (with its outbox): the responder delivers from there; the
  // action wakes it at once and is the audit record.
  await audit(deps, action);
  return { incident: summaryOf(r), actionId: action.id };
}

/** POST /v1/incidents/{id}/ack: every receiver that saw the incident is told (PagerDuty acknowledge). */
export function ackIncident(deps: IncidentOpsDeps, id: string, actor: string, reason?: string) {
  return transition(deps, id, 'incident.ack', actor, reason, (r, now) => acknowledge(r, actor, reason, now));
}

/** POST /v1/incidents/{id}/resolve: closes it for every receiver; its alerts stay as they are. */
export function resolveIncident(deps: IncidentOpsDeps, id: string, actor: string, reason: string) {
  return transition(deps, id, 'incident.resolve', actor, reason, (r, now) => resolveByHuman(r, actor, reason, now));
}

export type SilenceState = 'active' | 'pending' | 'expired';

function stateOf(s: Silence, now: Date): SilenceState {
  const t = now.getTime();
  if (t < Date.parse(s.startsAt)) return 'pending';
  return t < Date.parse(s.endsAt) ? 'active' : 'expired';
}

/** POST /v1/silences: mutes notifications of matching alerts (they are still recorded). */
export async function createSilence(deps: IncidentOpsDeps, body: SilenceBody, actor: string): Promise<{ silence: Silence & { state: SilenceState }; actionId: string }> {
  const now = deps.now();
  const startsMs = body.startsAt ? Date.parse(body.startsAt) : now.getTime();
  const endsMs = body.endsAt ? Date.parse(body.endsAt) : startsMs + (body.duration ?? 0) * 1000;
  if (!(endsMs > startsMs)) throw new InvalidInputError('endsAt: must be after startsAt');
  if (endsMs <= now.getTime()) throw new InvalidInputError('endsAt: must be in the future');
  if (endsMs - startsMs > MAX_SILENCE_S * 1000) throw new InvalidInputError('endsAt: a silence lasts at most 366 days');
  const silence: Silence = {
    id: `sil_${randomUUID()}`,
    matchers: body.matchers,
    author: actor,
    comment: body.comment,
    startsAt: new Date(startsMs).toISOString(),
    endsAt: new Date(endsMs).toISOString(),
    createdAt: now.toISOString(),
  };
  try {
    await deps.store.putSilence(silence);
  } catch (err) {
    if (err instanceof RangeError) throw new ConflictError('too_many_silences', err.message);
    throw err;
  }
  const action = makeAction(
    { serverId: silence.matchers.serverId ?? ALL_SERVERS, action: 'silence.create', actor, reason: silence.comment, time: silence.createdAt, details: { silenceId: silence.id, matchers: silence.matchers, startsAt: silence.startsAt, endsAt: silence.endsAt } },
    [silence.id],
  );
  await audit(deps, action);
  return { silence: { ...silence, state: stateOf(silence, now) }, actionId: action.id };
}

/** GET /v1/silences: newest first. */
export async function listSilences(deps: IncidentOpsDeps, query: SilenceQuery = {}): Promise<{ silences: Array<Silence & { state: SilenceState }> }> {
  const now = deps.now();
  const all = (await deps.store.listSilences()).map((s) => ({ ...s, state: stateOf(s, now) }));
  return {
    silences: all.filter((s) => (query.state === undefined || s.state === query.state) && (query.serverId === undefined || s.matchers.serverId === undefined || s.matchers.serverId === query.serverId)),
  };
}

/** DELETE /v1/silences/{id}: matching alerts notify again from their incident's next evaluation. */
export async function deleteSilence(deps: IncidentOpsDeps, id: string, actor: string, reason?: string): Promise<{ silence: Silence; actionId: string }> {
  const removed = await deps.store.deleteSilence(id);
  if (!removed) throw new NotFoundError(`no silence with id "${id}"`);
  const time = deps.now().toISOString();
  const action = makeAction(
    { serverId: removed.matchers.serverId ?? ALL_SERVERS, action: 'silence.delete', actor, reason: reason ?? 'silence deleted', time, details: { silenceId: id, matchers: removed.matchers } },
    [id, 'delete', time],
  );
  await audit(deps, action);
  return { silence: removed, actionId: action.id };
}
