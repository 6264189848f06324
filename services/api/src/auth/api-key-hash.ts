import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { ApiKeyHash } from '@driftwatch/core';

/**
 * scrypt parameters for new keys: N=2^14, r=8, p=1 (16 MiB, ~50 ms on one core of a small VM).
 *
 * The secret is 256 random bits, so no work factor is needed against guessing; what scrypt buys
 * is that a copy of the store is useless even if the random source were weaker than it should
 * be. The cost is paid once per token and process (successful checks are cached, see
 * verify-cache.ts), so it is kept moderate: every bogus well-formed token also costs one, and a
 * higher N would mostly help an attacker exhaust the CPU. The parameters are recorded in each
 * record, so raising them later does not invalidate existing keys.
 */
export const SCRYPT_PARAMS = { N: 1 << 14, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Memory scrypt needs is 128·N·r bytes; allow exactly that plus slack (Node's default cap is 32 MiB). */
function optionsOf(h: Pick<ApiKeyHash, 'N' | 'r' | 'p'>): ScryptOptions {
  return { N: h.N, r: h.r, p: h.p, maxmem: 128 * h.N * h.r + 1024 * 1024 };
}

/**
 * The whole token is hashed (not only the secret), so a hash can only ever verify the token it
 * was made for, key id included. Runs on the libuv thread pool, not the event loop.
 */
export async function hashToken(token: string): Promise<ApiKeyHash> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(token, salt, HASH_BYTES, optionsOf(SCRYPT_PARAMS));
  return { alg: 'scrypt', ...SCRYPT_PARAMS, salt: salt.toString('base64url'), hash: hash.toString('base64url') };
}

/** Constant-time comparison of the token's scrypt hash with the stored one. */
export async function verifyToken(token: string, stored: ApiKeyHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64url');
  const actual = await scryptAsync(token, Buffer.from(stored.salt, 'base64url'), expected.length, optionsOf(stored));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const DUMMY: ApiKeyHash = {
  alg: 'scrypt',
  ...SCRYPT_PARAMS,
  salt: randomBytes(SALT_BYTES).toString('base64url'),
  hash: randomBytes(HASH_BYTES).toString('base64url'),
};

/**
 * The same work as verifyToken against a hash no token matches: an unknown key id then takes as
 * long to refuse as a wrong secret, so response times do not tell which key ids exist.
 */
export async function burnVerification(token: string): Promise<false> {
  await verifyToken(token, DUMMY);
  return false;
}

/** Cache key for a token: its SHA-256, so the cache never holds a usable secret. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
