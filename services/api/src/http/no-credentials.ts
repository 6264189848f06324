import { AuthError, type Authenticator } from '../auth/types.js';

/**
 * The authenticator of a deployment that has none configured: nobody is authenticated, so only
 * anonymous reads (where allowed) get through and every credential presented is refused.
 * Fail-closed stand-in until the composition root passes a real one.
 */
export function createNoCredentialsAuthenticator(): Authenticator {
  return {
    async authenticate(authorization) {
      if (authorization === undefined) return null;
      throw new AuthError('invalid_credential', 'no credentials are configured on this deployment');
    },
    async close() {},
  };
}
