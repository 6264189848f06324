import { z } from 'zod';
import type { Logger } from 'pino';
import {
  ApiKeyId,
  ApiKeyName,
  ApiKeyOwner,
  ApiScope,
  IsoTime,
  NO_SERVER,
  TOPICS,
  makeAction,
  type Action,
  type ApiKeyRecord,
} from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError } from '../control.js';
import { hashToken } from './api-key-hash.js';
import { newKeyId, newToken } from './api-key-token.js';
import { EXPIRES_HINT, EXPIRES_PATTERN, resolveExpiry } from './key-expiry.js';

/*
 * Key management as plain operations: the HTTP layer (admin routes GET/POST /v1/keys,
 * DELETE /v1/keys/{id}), the CLI (`driftwatch keys …`) and the first-start bootstrap all call
 * these, so every key is created, hashed, bounded and audited the same way.
 */

export interface KeyDeps {
  store: StatePort;
  /** Announces the audit entry on mcp.actions.v1; without one, the entry is only stored. */
  bus?: BusPort;
  now: () => Date;
  logger: Logger;
}

/** Active (unrevoked, unexpired) keys a store may hold: a bound, not a quota anyone should meet. */
export const MAX_ACTIVE_KEYS = 1_000;

export const CreateKeyBody = z
  .object({
    name: ApiKeyName.describe('What the key is for; appears in the audit trail as key:<name> (<id>).'),
    scope: ApiScope.describe('read < operate < admin; each includes the ones before it.'),
    owner: ApiKeyOwner.optional().describe('Who answers for the key (team, person). Defaults to the creator.'),
    expires: z.string().max(40).regex(EXPIRES_PATTERN, `must be ${EXPIRES_HINT}`).describe(`When the key stops working: ${EXPIRES_HINT}. At most 400 days.`),
  })
  .strict();
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const RevokeKeyBody = z
  .object({ reason: z.string().min(1).max(1000).optional().describe('Recorded in the audit trail.') })
  .strict();
export type RevokeKeyBody = z.infer<typeof RevokeKeyBody>;

export const KeyIdParams = z.object({ id: ApiKeyId }).strict();

/** A key as the API shows it: everything but the hash, plus whether it works right now. */
export const ApiKeyView = z.object({
  id: ApiKeyId,
  name: z.string(),
  owner: z.string(),
  scope: ApiScope,
  status: z.enum(['active', 'expired', 'revoked']),
  createdAt: IsoTime,
  createdBy: z.string(),
  expiresAt: IsoTime,
  revokedAt: IsoTime.optional(),
  revokedBy: z.string().optional(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreateKeyResponse = z.object({
  /** The only time the token is ever shown. */
  token: z.string().describe('The API key. Shown once: Driftwatch stores only its hash.'),
  key: ApiKeyView,
  actionId: z.string(),
});
export type CreateKeyResponse = z.infer<typeof CreateKeyResponse>;

export const ListKeysResponse = z.object({ keys: z.array(ApiKeyView) });
export type ListKeysResponse = z.infer<typeof ListKeysResponse>;

export const RevokeKeyResponse = z.object({ key: ApiKeyView, actionId: z.string() });
export type RevokeKeyResponse = z.infer<typeof RevokeKeyResponse>;

function statusOf(record: ApiKeyRecord, now: Date): ApiKeyView['status'] {
  if (record.revokedAt !== undefined) return 'revoked';
  return Date.parse(record.expiresAt) <= now.getTime() ? 'expired' : 'active';
}

/** Built field by field (never a spread of the record), so the hash cannot slip into an answer. */
export function toKeyView(record: ApiKeyRecord, now: Date): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    owner: record.owner,
    scope: record.scope,
    status: statusOf(record, now),
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    expiresAt: record.expiresAt,
    ...(record.revokedAt !== undefined ? { revokedAt: record.revokedAt } : {}),
    ...(record.revokedBy !== undefined ? { revokedBy: record.revokedBy } : {}),
  };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const msg = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
  throw new HttpError(400, 'invalid_body', msg);
}

/**
 * Stored first, announced second: the audit entry goes to the store with the key; a failed
 * announcement on the bus is logged, not thrown, because the caller would otherwise lose a token
 * that already works (and cannot be shown again).
 */
async function record(deps: KeyDeps, act: Action): Promise<void> {
  await deps.store.appendAudit(act);
  if (!deps.bus) return;
  try {
    await deps.bus.publish(TOPICS.actions, NO_SERVER, act);
  } catch (err) {
    deps.logger.error({ actionId: act.id, action: act.action, err: (err as Error).message }, 'could not announce a key action on the bus (it is in the audit store)');
  }
}

/** Issues a key. The plaintext token is in the result and nowhere else, ever. */
export async function createKey(deps: KeyDeps, body: unknown, actor: string): Promise<CreateKeyResponse> {
  const input = parseBody(CreateKeyBody, body);
  const now = deps.now();
  const expiresAt = resolveExpiry(input.expires, now);
  const existing = await deps.store.listApiKeys();
  if (existing.filter((k) => statusOf(k, now) === 'active').length >= MAX_ACTIVE_KEYS) {
    throw new ConflictError('too_many_keys', `there are already ${MAX_ACTIVE_KEYS} active keys; revoke unused ones first`);
  }
  const id = newKeyId();
  const token = newToken(id);
  const rec: ApiKeyRecord = {
    id,
    name: input.name,
    owner: input.owner ?? actor.slice(0, 128),
    scope: input.scope,
    createdAt: now.toISOString(),
    createdBy: actor,
    expiresAt: expiresAt.toISOString(),
    hash: await hashToken(token),
  };
  await deps.store.putApiKey(rec);
  const time = now.toISOString();
  const act = makeAction(
    {
      serverId: NO_SERVER,
      action: 'key.create',
      actor,
      reason: `created API key "${rec.name}" with scope ${rec.scope}, expiring ${rec.expiresAt}`,
      time,
      details: { keyId: id, name: rec.name, owner: rec.owner, scope: rec.scope, expiresAt: rec.expiresAt },
    },
    [actor, time, id],
  );
  await record(deps, act);
  deps.logger.info({ keyId: id, name: rec.name, scope: rec.scope, expiresAt: rec.expiresAt, actor }, 'api key created');
  return { token, key: toKeyView(rec, now), actionId: act.id };
}

export async function listKeys(deps: KeyDeps): Promise<ListKeysResponse> {
  const now = deps.now();
  return { keys: (await deps.store.listApiKeys()).map((r) => toKeyView(r, now)) };
}

/** Revokes a key; the next request made with it is refused. 404 unknown, 409 already revoked. */
export async function revokeKey(deps: KeyDeps, id: string, actor: string, reason?: string): Promise<RevokeKeyResponse> {
  if (!ApiKeyId.safeParse(id).success) throw new HttpError(404, 'key_not_found', 'no such API key');
  const cleanReason = reason === undefined ? undefined : parseBody(RevokeKeyBody, { reason }).reason;
  const current = await deps.store.getApiKey(id);
  if (!current) throw new HttpError(404, 'key_not_found', `no API key ${id}`);
  if (current.revokedAt !== undefined) throw new ConflictError('already_revoked', `API key ${id} was already revoked at ${current.revokedAt} by ${current.revokedBy ?? 'unknown'}`);
  const now = deps.now();
  const time = now.toISOString();
  const revoked = await deps.store.revokeApiKey(id, time, actor);
  if (!revoked) throw new HttpError(404, 'key_not_found', `no API key ${id}`);
  if (revoked.revokedAt !== time || revoked.revokedBy !== actor) {
    throw new ConflictError('already_revoked', `API key ${id} was already revoked at ${revoked.revokedAt} by ${revoked.revokedBy ?? 'unknown'}`);
  }
  const act = makeAction(
    {
      serverId: NO_SERVER,
      action: 'key.revoke',
      actor,
      reason: cleanReason ?? `revoked API key "${revoked.name}"`,
      time,
      details: { keyId: id, name: revoked.name, owner: revoked.owner, scope: revoked.scope },
    },
    [actor, time, id],
  );
  await record(deps, act);
  deps.logger.info({ keyId: id, name: revoked.name, actor }, 'api key revoked');
  return { key: toKeyView(revoked, now), actionId: act.id };
}
