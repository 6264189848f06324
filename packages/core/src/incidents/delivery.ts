import { z } from 'zod';
import { Severity } from '../severity.js';
import { IsoTime, ServerId } from '../schemas/envelope.js';
import { BoundedJson } from '../schemas/json-value.js';
import { IncidentTransitionSchema } from './record.js';

/*
 * One notification to one receiver, as the store keeps it. Created (with its idempotency key)
 * before anything is sent; the notification is frozen in it, so a retry after a restart sends
 * exactly what the first attempt sent.
 */

const AlertRefSchema = z.object({
  id: z.string().max(200),
  kind: z.string().max(128),
  subject: z.string().max(512),
  severity: Severity,
  summary: z.string().max(300),
  explanation: z.string().max(64 * 1024).optional(),
  remediation: z.string().max(64 * 1024).optional(),
  evidence: BoundedJson.optional(),
  status: z.enum(['open', 'resolved']),
  time: IsoTime,
});

export const IncidentViewSchema = z.object({
  id: z.string().min(1).max(255),
  serverId: ServerId,
  groupKey: z.string().max(2048),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  severity: Severity,
  title: z.string().max(1024),
  alerts: z.array(AlertRefSchema).max(1000),
  tags: z.array(z.string().max(64)).max(32),
  openedAt: IsoTime,
  lastChangeAt: IsoTime,
  acknowledgedAt: IsoTime.optional(),
  acknowledgedBy: z.string().max(256).optional(),
  resolvedAt: IsoTime.optional(),
  resolvedBy: z.string().max(256).optional(),
  quarantined: z.boolean(),
});

export const NotificationSchema = z.object({
  incident: IncidentViewSchema,
  transition: IncidentTransitionSchema,
  idempotencyKey: z.string().min(1).max(1024),
  time: IsoTime,
  links: z.object({ api: z.string().max(2048).optional(), console: z.string().max(2048).optional() }),
});

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryRecordSchema = z.object({
  /** The idempotency key: (incident, transition sequence, transition, receiver). */
  key: z.string().min(1).max(1024),
  incidentId: z.string().min(1).max(255),
  serverId: ServerId,
  receiver: z.string().min(1).max(256),
  seq: z.number().int().min(1),
  transition: IncidentTransitionSchema,
  /** pending: waiting for its (next) attempt; sending: an attempt started (a crash leaves it so). */
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int().min(0),
  createdAt: IsoTime,
  nextAttemptAt: IsoTime,
  lastAttemptAt: IsoTime.optional(),
  deliveredAt: IsoTime.optional(),
  failedAt: IsoTime.optional(),
  /** Why the last attempt failed (never a secret: receivers keep those out of their reasons). */
  lastError: z.string().max(1000).optional(),
  notification: NotificationSchema,
});
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

/** Whether a delivery still has work left. */
export function deliveryIsOpen(d: Pick<DeliveryRecord, 'status'>): boolean {
  return d.status === 'pending' || d.status === 'sending';
}
