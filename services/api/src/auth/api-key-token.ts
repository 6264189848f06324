import { randomBytes } from 'node:crypto';

/*
 * The API key token: `dw_<keyId>_<secret>`, e.g. `dw_k_3f9a2kq7mz4bx6wd_<43 base64url chars>`.
 *   - `dw_` makes a leaked token recognisable to secret scanners and tells the authenticator,
 *     before any work, that this is a key and not a JWT;
 *   - the key id (`k_` + 16 base32 chars, 80 random bits) is the public half: it names the record
 *     to check, and appears in `keys list`, the audit actor and logs;
 *   - the secret is 32 random bytes (256 bits), base64url, never stored (only its scrypt hash).
 * Every part has a fixed length and alphabet, so parsing is one anchored regex even though
 * base64url itself may contain `_`.
 */

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const SECRET_BYTES = 32;
const TOKEN_RE = /^dw_(k_[a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
/** Longer than any well-formed token: refused before the regex runs. */
export const MAX_TOKEN_LENGTH = 65;
export const TOKEN_PREFIX = 'dw_';

/** RFC 4648 base32, lowercase, no padding (10 bytes → exactly 16 characters). */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function newKeyId(): string {
  return `k_${base32(randomBytes(10))}`;
}

/** A fresh token for `keyId`. The only place a secret exists in plain text. */
export function newToken(keyId: string): string {
  return `${TOKEN_PREFIX}${keyId}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** The key id of a well-formed token, or null. Costs one bounded regex; touches nothing else. */
export function parseToken(token: string): { keyId: string } | null {
  if (token.length !== MAX_TOKEN_LENGTH) return null;
  const m = TOKEN_RE.exec(token);
  return m ? { keyId: m[1]! } : null;
}
