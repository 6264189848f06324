import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { OidcSettings } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { AuthError, SCOPES, type Principal, type Scope } from './types.js';

/**
 * Asymmetric algorithms only. `none` is never accepted (jose refuses it in jwtVerify anyway), and
 * HS* is left out on purpose: with a JWKS the verifier holds public keys, and a symmetric
 * algorithm would let anyone who can read the JWKS sign tokens (the classic alg confusion).
 */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Longer than any token an IdP issues; refused before base64 decoding. */
const MAX_JWT_LENGTH = 16 * 1024;
/** After the JWKS could not be fetched, answer 503 at once for this long instead of refetching per request. */
const JWKS_FAILURE_BACKOFF_MS = 5_000;
const NAME_MAX = 200;

export interface JwtVerifierOptions {
  settings: OidcSettings;
  now: () => Date;
  logger: Logger;
  /** Overrides for tests; defaults 5 s, 30 s, 10 min. */
  jwksTimeoutMs?: number;
  jwksCooldownMs?: number;
  jwksCacheMaxAgeMs?: number;
}

/** The highest scope granted by the claim (a space-separated string or an array), or null. */
export function scopeFromClaim(value: unknown, scopeMap: Readonly<Record<string, Scope>>): Scope | null {
  const values = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  let best = -1;
  for (const v of values) {
    // hasOwn: the claim is attacker-chosen text; "__proto__" or "constructor" must map to nothing.
    if (!v || !Object.hasOwn(scopeMap, v)) continue;
    best = Math.max(best, SCOPES.indexOf(scopeMap[v]!));
  }
  return best < 0 ? null : SCOPES[best]!;
}

/** A name fit for the audit trail: no control characters, bounded. */
function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, NAME_MAX);
  return cleaned === '' ? null : cleaned;
}

/**
 * Verifies bearer JWTs from the organisation's IdP against its JWKS: signature (allowlisted
 * algorithms), issuer, audience, exp (required) and nbf with the configured clock tolerance,
 * then maps the scope claim. A token granting no Driftwatch scope is refused, not downgraded.
 */
export function createJwtVerifier(options: JwtVerifierOptions): { verify(token: string): Promise<Principal> } {
  const { settings, logger } = options;
  const jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    // A token with an unknown `kid` triggers a refetch at most this often (key rotation vs. abuse).
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
  });
  let failedAt = -Infinity;
  let lastFailureLog = -Infinity;

  const unavailable = () => new HttpError(503, 'idp_unavailable', 'the identity provider\'s signing keys could not be fetched; retry shortly');
  const fetchFailed = (err: unknown): HttpError => {
    failedAt = performance.now();
    if (failedAt - lastFailureLog > 10_000) {
      lastFailureLog = failedAt;
      logger.warn({ jwksUrl: settings.jwksUrl, err: (err as Error).message }, 'could not fetch the JWKS; refusing bearer tokens until it answers');
    }
    return unavailable();
  };

  return {
    async verify(token) {
      if (token.length > MAX_JWT_LENGTH) throw new AuthError('invalid_credential', 'bearer token too long');
      if (!jwks.fresh && performance.now() - failedAt < JWKS_FAILURE_BACKOFF_MS) throw unavailable();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: JWT_ALGORITHMS,
          clockTolerance: settings.clockToleranceSeconds,
          requiredClaims: ['exp', 'sub'],
          currentDate: options.now(),
        }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new AuthError('expired_credential', 'bearer token has expired');
        // The IdP (or the path to it) failed, not the caller: a fetch error, a timeout, a non-200
        // answer or a body that is not a JWKS. jose reports the HTTP status as a generic JOSEError.
        if (
          err instanceof errors.JWKSTimeout ||
          err instanceof errors.JWKSInvalid ||
          !(err instanceof errors.JOSEError) ||
          (err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message))
        ) {
          if (err instanceof TypeError && !/fetch/i.test(err.message)) throw err; // a bug, not an outage
          throw fetchFailed(err);
        }
        logger.debug({ code: err.code }, 'bearer token refused');
        throw new AuthError('invalid_credential', 'bearer token refused: signature, issuer, audience or claims did not verify');
      }
      const scope = scopeFromClaim(payload[settings.scopeClaim], settings.scopeMap);
      const sub = cleanName(payload.sub);
      if (!sub) throw new AuthError('invalid_credential', 'bearer token has no usable "sub"');
      if (!scope) {
        logger.debug({ sub }, 'bearer token grants no Driftwatch scope');
        throw new AuthError('invalid_credential', `bearer token grants no Driftwatch scope (claim "${settings.scopeClaim}")`);
      }
      const name = cleanName(payload[settings.nameClaim]) ?? sub;
      return {
        kind: 'jwt',
        id: sub,
        name,
        scope,
        ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000).toISOString() } : {}),
        actor: `oidc:${name}`,
      };
    },
  };
}
