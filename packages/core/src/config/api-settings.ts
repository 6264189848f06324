import { z } from 'zod';

/**
 * The control plane's settings (`api:` in the config file): who may call it and how hard. Core
 * holds only the schema; the API service reads it (auth/, http/). Every object is strict so a
 * misspelt security setting (`anonymousReads`, `oidc.audiance`) is refused at load instead of
 * silently falling back to a default.
 */

/**
 * The scopes, lowest first. The same list as `SCOPES` in services/api/src/auth/types.ts (core
 * cannot import a service); services/api/test/auth/scopes.test.ts keeps them equal.
 */
export const API_SCOPES = ['read', 'operate', 'admin'] as const;
export const ApiScope = z.enum(API_SCOPES, { error: () => 'must be one of read, operate, admin' });
export type ApiScope = z.infer<typeof ApiScope>;

/** What an IdP grants by default: `scope: "driftwatch:operate"` and the like. */
export const DEFAULT_SCOPE_MAP: Readonly<Record<string, ApiScope>> = Object.freeze({
  'driftwatch:read': 'read',
  'driftwatch:operate': 'operate',
  'driftwatch:admin': 'admin',
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * The JWKS is fetched, and whoever can alter it in transit can mint tokens: https only, except
 * on loopback where a local test IdP (or a sidecar) has no certificate and no path to intercept.
 */
const JwksUrl = z
  .string()
  .max(2048)
  .refine((v) => parseUrl(v) !== null, { message: 'must be an absolute URL, such as https://idp.example.com/.well-known/jwks.json' })
  .refine(
    (v) => {
      const u = parseUrl(v);
      if (!u) return true; // reported above
      return u.protocol === 'https:' || (u.protocol === 'http:' && (LOOPBACK_HOSTS.has(u.hostname) || u.hostname.startsWith('127.')));
    },
    { message: 'must be an https:// URL (http:// is accepted only for localhost / 127.0.0.1 / [::1])' },
  );

/** Compared byte for byte with the token's `iss`; never fetched. */
const IssuerUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    const u = parseUrl(v);
    return u !== null && (u.protocol === 'https:' || u.protocol === 'http:');
  }, { message: 'must be the identity provider\'s issuer URL exactly as it appears in the tokens\' "iss" claim, such as https://idp.example.com/' });

/** A JWT claim name (top level). */
const ClaimName = z
  .string()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'a claim name: letters, digits and _ . : / -');

export const OidcSettings = z
  .object({
    issuer: IssuerUrl,
    /** The `aud` a token must carry (the API's client id or resource identifier at the IdP). */
    audience: z.string().min(1, 'must not be empty').max(512),
    jwksUrl: JwksUrl,
    /** Claim holding the granted scopes: a space-separated string or an array of strings. */
    scopeClaim: ClaimName.default('scope'),
    /**
     * Claim value → Driftwatch scope. Replaces (does not extend) the default map, so an operator
     * who sets it knows exactly which values grant what.
     */
    scopeMap: z
      .record(z.string().min(1, 'a claim value must not be empty').max(256), ApiScope)
      .refine((m) => Object.keys(m).length > 0, { message: 'must map at least one claim value to a scope' })
      .default({ ...DEFAULT_SCOPE_MAP }),
    /** Claim naming the caller in the audit trail; `sub` when the token lacks it. */
    nameClaim: ClaimName.default('email'),
    /** Allowed clock skew between the IdP and this host for exp/nbf/iat. */
    clockToleranceSeconds: z.number().int('must be a whole number of seconds').min(0).max(300, 'must be at most 300 seconds').default(30),
  })
  .strict();
export type OidcSettings = z.infer<typeof OidcSettings>;

/** A host name, IPv4 or bracketed IPv6 address, optionally with a port; compared case-insensitively. */
const AllowedHost = z
  .string()
  .max(261)
  .regex(
    /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/,
    'a host name or address as sent in the Host header, optionally with :port (no scheme, no path)',
  )
  .transform((h) => h.toLowerCase());

export const ApiSettings = z
  .object({
    /**
     * Whether callers without a credential may use the read routes. Unset: only for
     * `driftwatch start` (embedded) bound to a loopback address. Mutations always need one.
     */
    anonymousRead: z.boolean().optional(),
    /** Host header values the API answers to (DNS-rebinding guard). Unset: loopback names only. */
    allowedHosts: z.array(AllowedHost).min(1, 'must list at least one host (leave it out for loopback only)').max(256).optional(),
    /** Mutating requests per principal per minute before 429. */
    mutationsPerMinute: z.number().int('must be a whole number').min(1).max(100_000).default(60),
    /** Audit entries older than this are dropped (by time only, never by volume). */
    auditRetentionDays: z.number().int('must be a whole number of days').min(1).max(3650).default(400),
    oidc: OidcSettings.optional(),
  })
  .strict();
export type ApiSettings = z.infer<typeof ApiSettings>;
export type ApiSettingsInput = z.input<typeof ApiSettings>;
