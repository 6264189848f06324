import { z } from 'zod';
import {
  ActionKind,
  IsoTime,
  NO_SERVER,
  SERVER_STATUSES,
  ServerId,
  Severity,
  type Action,
  type ServerStatus,
  type StoredAlert,
} from '@driftwatch/core';
import { IncidentEventData } from './incident-event.js';

/*
 * The live event log: what the console and a SOC follow (SSE on GET /v1/events). Events are
 * small notifications about changes already recorded elsewhere (alerts, the audit trail, server
 * state, incidents: see incident-event.ts); a reader that needs the whole record fetches it by id.
 * Nothing here is trusted on the way back: every event read from a store is validated against
 * these schemas.
 */

/** Largest event accepted (JSON bytes of type, time, serverId and data). */
export const MAX_EVENT_BYTES = 8 * 1024;
/** Events retained: the newest 10,000, and none older than 24 h. */
export const EVENT_RETAIN_COUNT = 10_000;
export const EVENT_RETAIN_MS = 24 * 3600 * 1000;
/** Largest batch readEvents returns. */
export const MAX_EVENT_BATCH = 1_000;

const EventId = z.string().regex(/^\d{1,20}$/, 'an event id');
const ShortText = (max: number) => z.string().max(max);

export const ALERT_CHANGES = ['opened', 'updated', 'resolved'] as const;

export const AlertEventData = z.object({
  change: z.enum(ALERT_CHANGES),
  alertId: z.string().min(1).max(200),
  kind: z.string().max(128),
  severity: Severity,
  status: z.enum(['open', 'resolved']),
  subject: ShortText(512),
  summary: ShortText(300),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  resolvedAt: IsoTime.optional(),
  resolvedBy: ShortText(256).optional(),
});

export const ActionEventData = z.object({
  actionId: z.string().min(1).max(200),
  action: ActionKind,
  actor: ShortText(256),
  /** Cut to 1,024 characters: the audit entry has the whole reason. */
  reason: ShortText(1024),
  alertId: z.string().max(200).optional(),
});

export const StatusEventData = z.object({
  from: z.enum(SERVER_STATUSES),
  to: z.enum(SERVER_STATUSES),
});

// Actions about no one server (API keys, global silences) carry `*` (NO_SERVER).
const EventServerId = z.union([ServerId, z.literal(NO_SERVER)]);
const common = { time: IsoTime, serverId: EventServerId };
/** When the writer gives no time, the store stamps its own clock's. */
const newCommon = { time: IsoTime.optional(), serverId: EventServerId };

/** An event as written: the store assigns the id (and the time, when not given). */
export const NewDriftEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('alert'), ...newCommon, data: AlertEventData }),
  z.object({ type: z.literal('action'), ...newCommon, data: ActionEventData }),
  z.object({ type: z.literal('status'), ...newCommon, data: StatusEventData }),
  z.object({ type: z.literal('incident'), ...newCommon, data: IncidentEventData }),
]);
export type NewDriftEvent = z.input<typeof NewDriftEvent>;

/** An event as read back. Ids are opaque, increasing strings; compare them only for equality. */
export const DriftEvent = z.discriminatedUnion('type', [
  z.object({ id: EventId, type: z.literal('alert'), ...common, data: AlertEventData }),
  z.object({ id: EventId, type: z.literal('action'), ...common, data: ActionEventData }),
  z.object({ id: EventId, type: z.literal('status'), ...common, data: StatusEventData }),
  z.object({ id: EventId, type: z.literal('incident'), ...common, data: IncidentEventData }),
]);
export type DriftEvent = z.infer<typeof DriftEvent>;
export type DriftEventType = DriftEvent['type'];
export const DRIFT_EVENT_TYPES = ['alert', 'action', 'status', 'incident'] as const satisfies readonly DriftEventType[];

export interface EventBatch {
  /** Oldest first. */
  events: DriftEvent[];
  /** Pass as afterId to the next read. */
  next: string;
  /**
   * Why afterId could not be resumed from, when it could not: `too_old` (events after it were
   * trimmed away) or `unknown_id` (not an id of this log, e.g. a log that was wiped). The batch then
   * starts at the newest event: the reader has missed something and should reload its state.
   */
  reset: 'too_old' | 'unknown_id' | null;
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function alertEvent(stored: StoredAlert, change: (typeof ALERT_CHANGES)[number], time: string): NewDriftEvent {
  const a = stored.alert;
  return {
    type: 'alert',
    time,
    serverId: a.serverId,
    data: {
      change,
      alertId: a.id,
      kind: a.kind,
      severity: a.severity,
      status: stored.status,
      subject: a.subject,
      summary: a.summary,
      firstSeen: stored.firstSeen,
      lastSeen: stored.lastSeen,
      ...(stored.resolvedAt !== undefined ? { resolvedAt: stored.resolvedAt } : {}),
      ...(stored.resolvedBy !== undefined ? { resolvedBy: cut(stored.resolvedBy, 256) } : {}),
    },
  };
}

export function actionEvent(action: Action, time: string): NewDriftEvent {
  return {
    type: 'action',
    time,
    serverId: action.serverId,
    data: {
      actionId: action.id,
      action: action.action,
      actor: action.actor,
      reason: cut(action.reason, 1024),
      ...(action.alertId !== undefined ? { alertId: action.alertId } : {}),
    },
  };
}

export function statusEvent(serverId: string, from: ServerStatus, to: ServerStatus, time: string): NewDriftEvent {
  return { type: 'status', time, serverId, data: { from, to } };
}

/**
 * Validates an event before it is written and returns its JSON (without id; `time` defaulted to
 * `now`). Throws on an event that does not validate or is larger than MAX_EVENT_BYTES: the log is
 * bounded per event too.
 */
export function encodeNewEvent(event: NewDriftEvent, now: string): string {
  const parsed = NewDriftEvent.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`invalid event: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'does not validate'}`);
  }
  const { type, time, serverId, data } = parsed.data;
  const json = JSON.stringify({ type, time: time ?? now, serverId, data });
  if (Buffer.byteLength(json, 'utf8') > MAX_EVENT_BYTES) throw new RangeError(`event larger than ${MAX_EVENT_BYTES} bytes`);
  return json;
}

export function batchLimit(limit: number): number {
  if (!Number.isFinite(limit)) return 0;
  return Math.max(0, Math.min(MAX_EVENT_BATCH, Math.floor(limit)));
}
