// The one JSON wire format both adapters share: what publish writes and what consumers accept.
import { LIMITS, isWithinDepth } from '@driftwatch/core';

/**
 * Deepest JSON accepted on the bus. Snapshots carry tool schemas up to LIMITS.maxJsonDepth deep
 * inside a few levels of envelope; anything deeper is hostile or broken.
 */
export const MAX_MESSAGE_DEPTH = LIMITS.maxJsonDepth * 2;

/** Longest message key accepted (keys are server ids, at most 128 characters). */
export const MAX_KEY_LENGTH = 512;

export class BusPublishError extends Error {
  override readonly name = 'BusPublishError';
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new BusPublishError(`message key must be a string of 1..${MAX_KEY_LENGTH} characters`);
  }
}

/** Serialises a value for the bus; throws BusPublishError when it is not JSON or too large. */
export function encodeValue(topic: string, value: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new BusPublishError(`${topic}: value is not serialisable as JSON: ${errorText(error)}`);
  }
  if (text === undefined) throw new BusPublishError(`${topic}: value is not serialisable as JSON`);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength > LIMITS.maxMessageBytes) {
    throw new BusPublishError(
      `${topic}: message is ${bytes.byteLength} bytes, more than the ${LIMITS.maxMessageBytes} allowed`,
    );
  }
  return bytes;
}

/** A value already serialised as JSON text → bytes, or BusPublishError when too large. */
export function encodeText(topic: string, json: string): Buffer {
  if (typeof json !== 'string' || json.length === 0) throw new BusPublishError(`${topic}: encoded value must be non-empty JSON text`);
  const bytes = Buffer.from(json, 'utf8');
  if (bytes.byteLength > LIMITS.maxMessageBytes) {
    throw new BusPublishError(`${topic}: message is ${bytes.byteLength} bytes, more than the ${LIMITS.maxMessageBytes} allowed`);
  }
  return bytes;
}

export type DecodeFailureKind = 'too_large' | 'invalid_json' | 'invalid_message';

export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: DecodeFailureKind; reason: string };

/** Bytes from the wire → validated value, or why not. Never throws. With `raw`, the bytes themselves. */
export function decodeBytes<T>(bytes: Uint8Array | null, decode: (value: unknown) => T, raw = false): DecodeResult<T> {
  if (bytes === null) return { ok: false, kind: 'invalid_json', reason: 'message has no value' };
  if (bytes.byteLength > LIMITS.maxMessageBytes) {
    return { ok: false, kind: 'too_large', reason: `message is ${bytes.byteLength} bytes, more than the ${LIMITS.maxMessageBytes} allowed` };
  }
  if (raw) return { ok: true, value: bytes as T };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    return { ok: false, kind: 'invalid_json', reason: `not JSON: ${errorText(error)}` };
  }
  if (!isWithinDepth(parsed, MAX_MESSAGE_DEPTH)) {
    return { ok: false, kind: 'invalid_message', reason: `JSON nested deeper than ${MAX_MESSAGE_DEPTH} levels` };
  }
  try {
    return { ok: true, value: decode(parsed) };
  } catch (error) {
    return { ok: false, kind: 'invalid_message', reason: `does not validate: ${errorText(error)}` };
  }
}

/** A bounded, single-line description of anything thrown (ZodError messages can be huge). */
export function errorText(error: unknown, max = 2000): string {
  let text: string;
  if (error instanceof Error) text = error.message || error.name;
  else if (typeof error === 'string') text = error;
  else {
    try {
      text = JSON.stringify(error) ?? String(error);
    } catch {
      text = String(error);
    }
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
