import { createHash } from 'node:crypto';

/**
 * Hard stop for nesting while canonicalising. Values we keep are bounded at LIMITS.maxJsonDepth
 * (32) per schema/meta object, but a whole snapshot wraps those a few levels deeper; 256 leaves
 * room for that while turning a hostile value into a clean error instead of a stack overflow.
 */
const MAX_CANONICAL_DEPTH = 256;

export class CanonicalJsonError extends TypeError {
  constructor(message: string, readonly path: string) {
    super(`${message} at ${path}`);
    this.name = 'CanonicalJsonError';
  }
}

/**
 * The canonical JSON text of a value: object keys sorted by UTF-16 code unit, no insignificant
 * whitespace, strings escaped exactly as JSON.stringify does (so whitespace or invisible
 * characters inside a description survive byte for byte), arrays in their order, undefined
 * properties dropped. Anything that is not plain JSON throws, so two different values can never
 * collapse into the same text by accident.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, new Set<object>(), ['$']);
  return out.join('');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 of the canonical JSON of a value. */
export function fingerprintJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

function write(value: unknown, out: string[], ancestors: Set<object>, path: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`non-finite number ${String(value)}`, path.join(''));
      out.push(JSON.stringify(value));
      return;
    case 'object':
      if (value === null) {
        out.push('null');
        return;
      }
      writeObject(value, out, ancestors, path);
      return;
    default:
      throw new CanonicalJsonError(`${typeof value} is not JSON`, path.join(''));
  }
}

function writeObject(value: object, out: string[], ancestors: Set<object>, path: string[]): void {
  if (path.length > MAX_CANONICAL_DEPTH) throw new CanonicalJsonError(`nested deeper than ${MAX_CANONICAL_DEPTH} levels`, path.join(''));
  if (ancestors.has(value)) throw new CanonicalJsonError('cycle', path.join(''));
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      path.push(`[${i}]`);
      // A hole or undefined element has no JSON form; JSON.stringify would silently write null.
      write(value[i], out, ancestors, path);
      path.pop();
    }
    out.push(']');
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Dates, Maps, class instances: JSON.stringify would quietly reshape or empty them.
      throw new CanonicalJsonError(`${value.constructor?.name ?? 'exotic'} object is not plain JSON`, path.join(''));
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is exactly the documented key order.
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const child = record[key];
      if (child === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      path.push(`.${key}`);
      write(child, out, ancestors, path);
      path.pop();
    }
    out.push('}');
  }
  ancestors.delete(value);
}
