import type { Logger } from 'pino';
import type { ApiKeyRecord } from '@driftwatch/core';
import { CorruptValueError, type StatePort } from '@driftwatch/store';
import { burnVerification, tokenDigest, verifyToken } from './api-key-hash.js';
import { parseToken } from './api-key-token.js';
import type { Limiter } from './limiter.js';
import { AuthError, type Principal } from './types.js';
import type { VerifyCache } from './verify-cache.js';

export interface ApiKeyVerifierDeps {
  store: StatePort;
  now: () => Date;
  logger: Logger;
  cache: VerifyCache;
  limiter: Limiter;
}

/** What the audit trail records for a key: its name for people, its id to be unambiguous. */
export function keyActor(record: Pick<ApiKeyRecord, 'name' | 'id'>): string {
  return `key:${record.name} (${record.id})`;
}

/**
 * Turns a `dw_…` token into a principal, or throws AuthError. Order matters:
 *  1. the format is checked first: a malformed token costs a regex, never a store read or scrypt;
 *  2. the record is read from the store on every request, so a revocation or an expiry applies
 *     to the very next request whatever the cache holds;
 *  3. the secret is checked (scrypt, or the cache when this exact token matched this record's
 *     hash recently) before anything about the key's state is revealed: without the secret a
 *     caller learns only "invalid", not whether the id exists, is revoked or has expired.
 */
export function createApiKeyVerifier(deps: ApiKeyVerifierDeps): (token: string) => Promise<Principal> {
  const log = deps.logger;
  return async (token) => {
    const parsed = parseToken(token);
    if (!parsed) throw new AuthError('invalid_credential', 'malformed API key');

    let record: ApiKeyRecord | null;
    try {
      record = await deps.store.getApiKey(parsed.keyId);
    } catch (err) {
      if (!(err instanceof CorruptValueError)) throw err; // store down: not the caller's fault
      log.error({ keyId: parsed.keyId, err: (err as Error).message }, 'api key record is unreadable; refusing the key');
      record = null;
    }

    const digest = tokenDigest(token);
    const nowMs = deps.now().getTime();
    let verified = record !== null && deps.cache.has(digest, record.id, record.hash.hash, nowMs);
    if (!verified) {
      verified = await deps.limiter.run(() => (record ? verifyToken(token, record.hash) : burnVerification(token)));
      if (verified && record) deps.cache.add(digest, record.id, record.hash.hash, nowMs);
    }
    if (!verified || !record) {
      log.debug({ keyId: parsed.keyId }, 'api key refused: no such key or wrong secret');
      throw new AuthError('invalid_credential', 'invalid API key');
    }
    if (record.revokedAt !== undefined) {
      deps.cache.delete(digest);
      throw new AuthError('revoked_credential', `API key ${record.id} was revoked at ${record.revokedAt}`);
    }
    if (Date.parse(record.expiresAt) <= nowMs) {
      deps.cache.delete(digest);
      throw new AuthError('expired_credential', `API key ${record.id} expired at ${record.expiresAt}`);
    }
    return {
      kind: 'api_key',
      id: record.id,
      name: record.name,
      owner: record.owner,
      scope: record.scope,
      expiresAt: record.expiresAt,
      actor: keyActor(record),
    };
  };
}
