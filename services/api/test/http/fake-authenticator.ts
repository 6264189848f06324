import { AuthError, type Authenticator, type Principal, type Scope } from '../../src/auth/types.js';

export function principal(scope: Scope, name = `${scope}-bot`): Principal {
  return { kind: 'api_key', id: `k_${name}`, name, scope, actor: `key:${name} (k_${name})` };
}

/** Bearer tokens for the tests: one per scope, plus credentials the "store" refuses. */
export const TOKENS = {
  read: 'dw_read',
  operate: 'dw_operate',
  admin: 'dw_admin',
  expired: 'dw_expired',
  revoked: 'dw_revoked',
  garbage: 'dw_garbage',
} as const;

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Answers like a real Authenticator: null without a header, AuthError for a refused credential. */
export function fakeAuthenticator(): Authenticator & { calls: number; fail?: Error } {
  const known = new Map<string, Principal>([
    [`Bearer ${TOKENS.read}`, principal('read')],
    [`Bearer ${TOKENS.operate}`, principal('operate')],
    [`Bearer ${TOKENS.admin}`, principal('admin')],
  ]);
  const auth = {
    calls: 0,
    fail: undefined as Error | undefined,
    async authenticate(header: string | undefined) {
      auth.calls++;
      if (auth.fail) throw auth.fail;
      if (header === undefined) return null;
      if (header === `Bearer ${TOKENS.expired}`) throw new AuthError('expired_credential', 'the key expired');
      if (header === `Bearer ${TOKENS.revoked}`) throw new AuthError('revoked_credential', 'the key was revoked');
      const p = known.get(header);
      if (!p) throw new AuthError('invalid_credential', 'unknown credential');
      return p;
    },
    async close() {},
  };
  return auth;
}
