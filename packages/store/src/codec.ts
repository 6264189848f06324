import { z } from 'zod';
import {
  Action,
  Alert,
  Baseline,
  IsoTime,
  ProbeFailureCode,
  Severity,
  Snapshot,
  type QuarantineRecord,
  type ServerState,
  type StoredAlert,
} from '@driftwatch/core';
import { CorruptValueError } from './errors.js';
import type { OpenFinding } from './port.js';

/*
 * Schemas for what the store keeps. Core has schemas for messages (Snapshot, Baseline, Alert,
 * Action); the store's own records (StoredAlert, quarantine, findings, server state) are checked
 * here so that every read path validates what it read.
 */

export const QuarantineRecordSchema: z.ZodType<QuarantineRecord> = z.object({
  reason: z.string().max(64 * 1024),
  alertId: z.string().max(200).optional(),
  pollId: z.string().max(200).optional(),
  actor: z.string().min(1).max(256),
  at: IsoTime,
});

export const StoredAlertSchema: z.ZodType<StoredAlert> = z.object({
  alert: Alert,
  status: z.enum(['open', 'resolved']),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  resolvedAt: IsoTime.optional(),
  resolvedBy: z.string().max(256).optional(),
});

export const OpenFindingSchema: z.ZodType<OpenFinding> = z.object({
  alertId: z.string().min(1).max(200),
  evidenceFingerprint: z.string().max(256),
  severity: Severity,
  kind: z.string().max(128),
  subject: z.string().max(512),
});

export const OpenFindingsSchema = z.record(z.string().max(1024), OpenFindingSchema);

/** One field of a server's state, as kept in the Redis hash (JSON per field). */
export const ServerStateFieldSchemas = {
  serverId: z.string().min(1).max(128),
  lastPollAt: IsoTime,
  lastPollId: z.string().max(200),
  lastSnapshotFingerprint: z.string().max(256),
  reachable: z.boolean(),
  lastError: z.object({ code: ProbeFailureCode, reason: z.string().max(64 * 1024), at: IsoTime }),
  baselineFingerprint: z.string().max(256),
  drifted: z.boolean(),
} as const;
export type ServerStateField = keyof typeof ServerStateFieldSchemas;
export const SERVER_STATE_FIELDS = Object.keys(ServerStateFieldSchemas) as ServerStateField[];

export const ServerStateSchema: z.ZodType<Omit<ServerState, 'quarantine'>> = z.object({
  ...ServerStateFieldSchemas,
  lastPollAt: ServerStateFieldSchemas.lastPollAt.optional(),
  lastPollId: ServerStateFieldSchemas.lastPollId.optional(),
  lastSnapshotFingerprint: ServerStateFieldSchemas.lastSnapshotFingerprint.optional(),
  reachable: ServerStateFieldSchemas.reachable.optional(),
  lastError: ServerStateFieldSchemas.lastError.optional(),
  baselineFingerprint: ServerStateFieldSchemas.baselineFingerprint.optional(),
  drifted: ServerStateFieldSchemas.drifted.optional(),
});

export { Action, Baseline, Snapshot };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validate an already-parsed value; throws CorruptValueError naming the key. */
export function validate<T>(key: string, value: unknown, schema: z.ZodType<T>): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CorruptValueError(key, describeIssues(result.error));
  return result.data;
}

/** Parse JSON text and validate it; throws CorruptValueError naming the key. */
export function decode<T>(key: string, raw: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CorruptValueError(key, `not JSON (${raw.length} bytes)`);
  }
  return validate(key, value, schema);
}

/** Patch keys the store accepts; anything else (serverId, quarantine, junk) is ignored. */
export function patchEntries(patch: object): Array<[ServerStateField, unknown]> {
  const out: Array<[ServerStateField, unknown]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'serverId') continue;
    if ((SERVER_STATE_FIELDS as string[]).includes(k)) out.push([k as ServerStateField, v]);
  }
  return out;
}
