/**
 * Who is calling the control plane, and how far they may go. The HTTP layer asks an
 * Authenticator for the principal behind a request and checks it against the one route → scope
 * table (../http/route-scopes.ts). The actor recorded in the audit trail is `principal.actor`,
 * never anything the caller sends.
 */

/** Ordered: each scope includes the ones before it. */
export const SCOPES = ['read', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** True when a principal holding `have` may use a route that needs `need`. */
export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

export interface Principal {
  kind: 'api_key' | 'jwt' | 'anonymous';
  /** The key id, the token's `sub`, or `anonymous`. Never a secret. */
  id: string;
  /** Human name: the key's name, the token's name/email claim, or `anonymous`. */
  name: string;
  owner?: string;
  scope: Scope;
  /** ISO time the credential stops being accepted. */
  expiresAt?: string;
  /** What the audit trail records, e.g. `key:ops-bot (k_3f9a…)` or `oidc:alice@example.com`. */
  actor: string;
}

export type AuthErrorCode = 'invalid_credential' | 'expired_credential' | 'revoked_credential' | 'unsupported_credential';

/** A credential was presented and refused: the HTTP layer answers 401 with this code. */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Authenticator {
  /**
   * The principal behind an `Authorization` header value; null when none was presented (the
   * HTTP layer decides whether anonymous reads are allowed). Throws AuthError for a credential
   * that is malformed, unknown, expired, revoked or fails verification. Revocation and expiry
   * take effect on the next request (no cache may outlive them).
   */
  authenticate(authorization: string | undefined): Promise<Principal | null>;
  close(): Promise<void>;
}
