import { z } from 'zod';
import { Envelope, ServerId } from './envelope.js';
import { Text } from './json-value.js';

/** The audit trail: every state change a human or policy made, announced on mcp.actions.v1. */
/**
 * `suppress`: operator rule tuning hid a content finding (recorded once per finding).
 * `key.create` / `key.revoke`: an API key was issued or revoked (serverId `*`, see below).
 * `tool.approve` / `tool.reject`: consent for one tool's current version; `reject`: a human
 * refused a whole server's pending change (its changed tools are rejected, the server quarantined).
 * `would_quarantine`: dry run; `silence.*` and `incident.*`: incident response (operate scope).
 * `server.add|update|remove`: a change to the living catalog (through the API or the config file).
 */
export const ACTION_KINDS = [
  'quarantine',
  'release',
  'approve',
  'page',
  'notify',
  'baseline',
  'suppress',
  'key.create',
  'key.revoke',
  'tool.approve',
  'tool.reject',
  'reject',
  'would_quarantine',
  'silence.create',
  'silence.delete',
  'incident.ack',
  'incident.resolve',
  'server.add',
  'server.update',
  'server.remove',
] as const;

/** The serverId of an action that concerns no one server (API keys, the catalog as a whole). */
export const NO_SERVER = '*';
export const ActionKind = z.enum(ACTION_KINDS);
export type ActionKind = z.infer<typeof ActionKind>;

export const Action = Envelope.extend({
  // `*` cannot be a server id (ServerId starts with a letter or digit), so it never collides.
  serverId: z.union([ServerId, z.literal(NO_SERVER)]),
  type: z.literal('action'),
  action: ActionKind,
  /** `policy` for automatic actions, else the authenticated principal's actor (never a header the caller sets). */
  actor: z.string().min(1).max(256),
  reason: Text,
  alertId: z.string().max(200).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Action = z.infer<typeof Action>;
