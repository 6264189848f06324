import { z } from 'zod';
import { Action, SERVER_STATUSES, Severity } from '@driftwatch/core';

/**
 * Path parameters and the answers of the routes this layer owns. Answer schemas document (they
 * feed OpenAPI and the conformance test); views.ts decides what is sent, field by field.
 */
export const ServerParams = z.object({ id: z.string().min(1).max(256) }).strict();
export const ToolParams = z.object({ id: z.string().min(1).max(256), name: z.string().min(1).max(256) }).strict();
export const KeyParams = z.object({ id: z.string().min(1).max(256) }).strict();
export const NoParams = z.object({}).strict();
export const IdParams = z.object({ id: z.string().min(1).max(256) }).strict();
export type ServerParams = z.infer<typeof ServerParams>;
export type ToolParams = z.infer<typeof ToolParams>;
export type KeyParams = z.infer<typeof KeyParams>;
export type NoParams = z.infer<typeof NoParams>;
export type IdParams = z.infer<typeof IdParams>;

export const ActionsQuery = z
  .object({ serverId: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();

const Quarantine = z.object({ reason: z.string(), alertId: z.string().optional(), actor: z.string(), at: z.string() });

export const ServerView = z
  .object({
    id: z.string(),
    status: z.enum(SERVER_STATUSES),
    transport: z.enum(['stdio', 'http']),
    owner: z.string().nullable(),
    tier: z.string().nullable(),
    url: z.string().optional().describe('http servers only; credentials and query redacted'),
    tags: z.array(z.string()),
    approval: z.string(),
    intervalSeconds: z.number(),
    lastPollAt: z.string().nullable(),
    baselineFingerprint: z.string().nullable(),
    snapshotFingerprint: z.string().nullable(),
    lastError: z.object({ code: z.string(), reason: z.string(), at: z.string() }).nullable(),
    quarantine: Quarantine.nullable(),
  })
  .meta({ id: 'Server' });

export const AlertView = z
  .object({
    id: z.string(),
    serverId: z.string(),
    status: z.enum(['open', 'resolved']),
    kind: z.string(),
    subject: z.string(),
    severity: Severity,
    summary: z.string(),
    explanation: z.string(),
    remediation: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    dedupKey: z.string(),
    time: z.string(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
  })
  .meta({ id: 'Alert' });

export const ServerList = z.object({ servers: z.array(ServerView) });
export const ServerDetail = ServerView.extend({ openAlerts: z.array(AlertView) });
export const AlertList = z.object({ alerts: z.array(AlertView) });
export const ActionList = z.object({ actions: z.array(Action.meta({ id: 'Action' })) });
export const Allowlist = z.object({ allowed: z.array(z.string()), generatedAt: z.string() });
export const ApproveResult = z.object({ serverId: z.string(), baselineFingerprint: z.string(), resolvedAlerts: z.number().int(), actionId: z.string() });
export const ReleaseResult = z.object({ serverId: z.string(), released: Quarantine, actionId: z.string() });
