import type { Logger } from 'pino';
import type { ApiSettings } from '@driftwatch/core';
import type { StatePort } from '@driftwatch/store';
import { TOKEN_PREFIX } from './api-key-token.js';
import { createApiKeyVerifier } from './api-key-verifier.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { createLimiter } from './limiter.js';
import { AuthError, type Authenticator, type Principal } from './types.js';
import { createVerifyCache } from './verify-cache.js';

export interface AuthenticatorOptions {
  store: StatePort;
  settings: ApiSettings;
  now: () => Date;
  logger: Logger;
  /** Verified-token cache; defaults 1000 entries, 5 minutes. 0 entries disables it. */
  cache?: { maxEntries?: number; ttlMs?: number };
  /** scrypt checks at once / waiting; defaults 2 / 32 (see limiter.ts). */
  scrypt?: { concurrency?: number; maxQueue?: number };
  /** JWKS fetch tuning, for tests. */
  jwks?: { timeoutMs?: number; cooldownMs?: number; cacheMaxAgeMs?: number };
}

/** RFC 6750 `Bearer <b64token>`; the scheme is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_HEADER_LENGTH = 16 * 1024 + 64;

/**
 * The one place a request's credential becomes a principal:
 *   `Bearer dw_…`     an API key (services/api/src/auth/api-key-verifier.ts);
 *   `Bearer <other>`  a JWT from the configured IdP (jwt-verifier.ts), when `api.oidc` is set;
 *   anything else     AuthError('unsupported_credential'); no header at all: null.
 * Besides AuthError it may throw HttpError 503 (`auth_busy`, `idp_unavailable`) when the check
 * itself cannot be done right now. The token is never logged, nor put in an error message.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { store, settings, now, logger } = options;
  const log = logger.child({ component: 'auth' });
  const cache = createVerifyCache({ maxEntries: options.cache?.maxEntries ?? 1_000, ttlMs: options.cache?.ttlMs ?? 5 * 60_000 });
  const limiter = createLimiter({ concurrency: options.scrypt?.concurrency ?? 2, maxQueue: options.scrypt?.maxQueue ?? 32 });
  const verifyKey = createApiKeyVerifier({ store, now, logger: log, cache, limiter });
  const jwt = settings.oidc
    ? createJwtVerifier({
        settings: settings.oidc,
        now,
        logger: log,
        ...(options.jwks?.timeoutMs !== undefined ? { jwksTimeoutMs: options.jwks.timeoutMs } : {}),
        ...(options.jwks?.cooldownMs !== undefined ? { jwksCooldownMs: options.jwks.cooldownMs } : {}),
        ...(options.jwks?.cacheMaxAgeMs !== undefined ? { jwksCacheMaxAgeMs: options.jwks.cacheMaxAgeMs } : {}),
      })
    : undefined;

  return {
    async authenticate(authorization: string | undefined): Promise<Principal | null> {
      if (authorization === undefined) return null;
      if (authorization.length > MAX_HEADER_LENGTH) throw new AuthError('invalid_credential', 'authorization header too long');
      const m = BEARER.exec(authorization);
      if (!m) {
        // Say which schemes exist without echoing what was sent (it may be a password).
        throw new AuthError('unsupported_credential', 'use "Authorization: Bearer <API key or identity-provider token>"');
      }
      const token = m[1]!;
      if (token.startsWith(TOKEN_PREFIX)) return verifyKey(token);
      if (!jwt) throw new AuthError('unsupported_credential', 'bearer tokens other than Driftwatch API keys are not accepted (no api.oidc configured)');
      return jwt.verify(token);
    },
    async close() {
      cache.clear();
    },
  };
}
