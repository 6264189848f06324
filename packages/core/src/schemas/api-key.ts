import { z } from 'zod';
import { ApiScope } from '../config/api-settings.js';
import { IsoTime } from './envelope.js';

/**
 * An API key as the store keeps it. The secret itself is never stored: only its scrypt hash with
 * the parameters that produced it, so the parameters can be raised later while old keys still
 * verify. Everything read back from a store is validated against this schema, and the bounds on
 * the scrypt parameters are what keeps a tampered record from making one verification allocate
 * gigabytes.
 */

/** `k_` + 16 lowercase base32 characters (80 random bits). Appears in logs, URLs and the audit trail. */
export const ApiKeyId = z.string().regex(/^k_[a-z2-7]{16}$/, 'a key id: "k_" followed by 16 characters a-z, 2-7');
export type ApiKeyId = z.infer<typeof ApiKeyId>;

/** Names end up in the audit actor (`key:<name> (<id>)`) and in logs: keep them boring. */
export const ApiKeyName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Who answers for a key (a team, a person, a service). Free text, no control characters. */
export const ApiKeyOwner = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: 'must not contain control characters' });

const Base64Url = (minBytes: number, maxBytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url')
    .refine((v) => {
      const bytes = Math.floor((v.length * 3) / 4);
      return bytes >= minBytes && bytes <= maxBytes;
    }, { message: `must decode to ${minBytes}..${maxBytes} bytes` });

export const ApiKeyHash = z.object({
  alg: z.literal('scrypt'),
  /** Cost: a power of two from 2^10 to 2^20 (2^20 × r=8 is 1 GiB; refuse anything above). */
  N: z
    .number()
    .int()
    .min(1 << 10)
    .max(1 << 20)
    .refine((n) => (n & (n - 1)) === 0, { message: 'must be a power of two' }),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: Base64Url(16, 64),
  hash: Base64Url(32, 64),
});
export type ApiKeyHash = z.infer<typeof ApiKeyHash>;

export const ApiKeyRecord = z.object({
  id: ApiKeyId,
  name: ApiKeyName,
  owner: ApiKeyOwner,
  scope: ApiScope,
  createdAt: IsoTime,
  /** The audit actor who created it. */
  createdBy: z.string().min(1).max(256),
  /** Every key expires. */
  expiresAt: IsoTime,
  revokedAt: IsoTime.optional(),
  revokedBy: z.string().min(1).max(256).optional(),
  hash: ApiKeyHash,
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;
