import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing of the generic webhook, and the verification recipe for whoever receives it. This file
 * depends on node:crypto only: copy it into the receiving service as it is.
 *
 *   x-driftwatch-timestamp: 1764000000             (Unix seconds when the request was signed)
 *   x-driftwatch-signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
 *   x-driftwatch-idempotency-key: <key>            (the same on every retry of one delivery)
 *
 * To verify: take the RAW request body (the bytes, before any JSON parsing), recompute the HMAC
 * over `${timestamp}.${rawBody}`, compare in constant time with each `v1=` value of the
 * signature header, and refuse a timestamp more than `toleranceSeconds` (default 300) away from
 * your clock: a captured request cannot be replayed after that. Within the window, drop
 * repeats by the idempotency key (a retry of a delivery you already processed has the same key).
 */

export const SIGNATURE_HEADER = 'x-driftwatch-signature';
export const TIMESTAMP_HEADER = 'x-driftwatch-timestamp';
export const IDEMPOTENCY_HEADER = 'x-driftwatch-idempotency-key';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v1=<hex>` for a body signed at `timestampSeconds`. */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): string {
  return `${SIGNATURE_SCHEME}=${hmacHex(secret, String(timestampSeconds), rawBody)}`;
}

function hmacHex(secret: string, timestamp: string, rawBody: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`, 'utf8');
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return mac.digest('hex');
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing_timestamp' | 'invalid_timestamp' | 'outside_tolerance' | 'missing_signature' | 'signature_mismatch' };

type HeaderBag = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Verifies a Driftwatch webhook request. `headers`: a fetch `Headers` or Node's
 * `IncomingHttpHeaders`; `rawBody`: the body exactly as received; `now`: your clock.
 * Several `v1=` values (comma-separated) are accepted, so a secret can be rotated by signing
 * with both for a while.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: HeaderBag,
  rawBody: string | Uint8Array,
  now: Date | number = Date.now(),
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  const ts = header(headers, TIMESTAMP_HEADER)?.trim();
  if (!ts) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'invalid_timestamp' };
  const timestamp = Number(ts);
  const nowSeconds = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'outside_tolerance' };
  const signatures = (header(headers, SIGNATURE_HEADER) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((s) => s.slice(SIGNATURE_SCHEME.length + 1));
  if (signatures.length === 0) return { ok: false, reason: 'missing_signature' };
  const expected = Buffer.from(hmacHex(secret, ts, rawBody), 'hex');
  for (const candidate of signatures) {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) continue;
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'signature_mismatch' };
}
