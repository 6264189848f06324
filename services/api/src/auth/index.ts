export { SCOPES, scopeAllows, AuthError, type Scope, type Principal, type AuthErrorCode, type Authenticator } from './types.js';
export { createAuthenticator, type AuthenticatorOptions } from './authenticator.js';
export { keyActor } from './api-key-verifier.js';
export { JWT_ALGORITHMS, scopeFromClaim } from './jwt-verifier.js';
export {
  createKey,
  listKeys,
  revokeKey,
  toKeyView,
  CreateKeyBody,
  RevokeKeyBody,
  KeyIdParams,
  ApiKeyView,
  CreateKeyResponse,
  ListKeysResponse,
  RevokeKeyResponse,
  MAX_ACTIVE_KEYS,
  type KeyDeps,
} from './key-operations.js';
export { resolveExpiry, MAX_KEY_LIFETIME_DAYS, EXPIRES_HINT } from './key-expiry.js';
export { ensureBootstrapAdminKey, ADMIN_KEY_FILE, BOOTSTRAP_KEY_NAME, type BootstrapKeyOptions, type BootstrapKeyResult } from './bootstrap-key.js';
