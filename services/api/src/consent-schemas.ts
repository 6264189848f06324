import { z } from 'zod';
import { AllowlistDocument, LIMITS, ServerId } from '@driftwatch/core';
import { ReasonBody } from './bodies.js';

/*
 * Request and response shapes of the consent and allowlist operations, for the HTTP layer to
 * validate with and to generate OpenAPI from:
 *   POST /v1/servers/{id}/tools/{name}/approve   ToolParams, ToolDecisionBody → ToolApproveResult
 *   POST /v1/servers/{id}/tools/{name}/reject    ToolParams, ToolDecisionBody → ToolRejectResult
 *   POST /v1/servers/{id}/reject                 ServerParams, ReasonBody     → ServerRejectResult
 *   GET  /v1/allowlist                           (If-None-Match)              → AllowlistDocument | 304
 */

const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 fingerprint (64 lowercase hex digits)');

export const ServerParams = z.object({ id: ServerId }).strict();

/** Tool names are server text: anything up to the probe's limit, percent-decoded by the router. */
export const ToolParams = z.object({ id: ServerId, name: z.string().min(1).max(LIMITS.maxNameLength) }).strict();

/**
 * A reason (required, audited) and, optionally, the fingerprint of the version the operator
 * reviewed (from the alert or the allowlist): when the server has changed the tool since, the
 * decision is refused (409 fingerprint_mismatch) instead of applying to a version nobody saw.
 */
export const ToolDecisionBody = ReasonBody.extend({ fingerprint: Fingerprint.optional() }).strict();
export type ToolDecisionBody = z.infer<typeof ToolDecisionBody>;

export const ToolApproveResult = z.object({
  serverId: ServerId,
  tool: z.string(),
  /** The approved version's fingerprint; null when the approval accepted the tool's removal. */
  fingerprint: Fingerprint.nullable(),
  /** The recomputed baseline fingerprint. */
  baselineFingerprint: z.string(),
  /** Other names the approval removed from the baseline (the old name of a rename). */
  alsoRemoved: z.array(z.string()),
  /** Whether the server still differs from its baseline in ways nobody decided. */
  drifted: z.boolean(),
  resolvedAlerts: z.number().int().min(0),
  /** An earlier rejection of this tool was withdrawn by this approval. */
  clearedRejection: z.boolean(),
  actionId: z.string(),
});
export type ToolApproveResult = z.infer<typeof ToolApproveResult>;

export const ToolRejectResult = z.object({
  serverId: ServerId,
  tool: z.string(),
  /** The rejected version's fingerprint: blocked on the allowlist, not alerted again. */
  fingerprint: Fingerprint,
  drifted: z.boolean(),
  resolvedAlerts: z.number().int().min(0),
  /** A reject does not lift a quarantine; release it separately once the rest is in order. */
  quarantined: z.boolean(),
  actionId: z.string(),
});
export type ToolRejectResult = z.infer<typeof ToolRejectResult>;

export const ServerRejectResult = z.object({
  serverId: ServerId,
  /** Tools whose current version was recorded as rejected (those the baseline does not hold). */
  rejectedTools: z.array(z.object({ name: z.string(), fingerprint: Fingerprint })),
  /** `now` when this call quarantined the server, `already` when it was quarantined before. */
  quarantine: z.enum(['now', 'already']),
  drifted: z.boolean(),
  resolvedAlerts: z.number().int().min(0),
  actionId: z.string(),
  /** The quarantine action, when this call quarantined the server. */
  quarantineActionId: z.string().optional(),
});
export type ServerRejectResult = z.infer<typeof ServerRejectResult>;

export { AllowlistDocument };
