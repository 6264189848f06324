import { z } from 'zod';
import { Envelope } from './envelope.js';
import { Text } from './json-value.js';

/** The audit trail: every state change a human or policy made, announced on mcp.actions.v1. */
/** `suppress`: operator rule tuning hid a content finding (recorded once per finding). */
/** `server.add|update|remove`: a change to the living catalog (through the API or the config file). */
export const ACTION_KINDS = ['quarantine', 'release', 'approve', 'page', 'notify', 'baseline', 'suppress', 'server.add', 'server.update', 'server.remove'] as const;
export const ActionKind = z.enum(ACTION_KINDS);
export type ActionKind = z.infer<typeof ActionKind>;

export const Action = Envelope.extend({
  type: z.literal('action'),
  action: ActionKind,
  /** `policy` for automatic actions, else who asked (from the API caller). */
  actor: z.string().min(1).max(256),
  reason: Text,
  alertId: z.string().max(200).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Action = z.infer<typeof Action>;
