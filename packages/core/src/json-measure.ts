import { createHash } from 'node:crypto';

/**
 * Iterative walks over untrusted JSON (parsed by JSON.parse, so plain values, but of any depth):
 * a recursive walker would overflow the stack on `[[[[…]]]]` a million levels deep.
 */

export interface JsonMeasure {
  /** Nodes visited (stops counting at `maxNodes + 1`). */
  nodes: number;
  /** Deepest nesting seen (stops at `maxDepth + 1`). */
  depth: number;
  /** Length of the longest string, key or value. */
  longestString: number;
  /** True when a bound was passed (and the walk stopped early). */
  over: boolean;
}

/** Size of a value against bounds, in O(min(size, maxNodes)) time and O(maxDepth) memory. */
export function measureJson(value: unknown, bounds: { maxDepth: number; maxNodes: number; maxString: number }): JsonMeasure {
  const out: JsonMeasure = { nodes: 0, depth: 0, longestString: 0, over: false };
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    out.nodes += 1;
    if (d > out.depth) out.depth = d;
    if (out.nodes > bounds.maxNodes || d > bounds.maxDepth) {
      out.over = true;
      return out;
    }
    if (typeof v === 'string') {
      if (v.length > out.longestString) out.longestString = v.length;
      if (v.length > bounds.maxString) {
        out.over = true;
        return out;
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], d: d + 1 });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key.length > out.longestString) out.longestString = key.length;
      if (key.length > bounds.maxString) {
        out.over = true;
        return out;
      }
      stack.push({ v: (v as Record<string, unknown>)[key], d: d + 1 });
    }
  }
  return out;
}

const FLUSH_AT = 64 * 1024;

/**
 * SHA-256 of a canonical rendering of any JSON-like value (keys sorted, strings as JSON), without
 * recursion and without building the whole text. For what a probe drops: the hash stands in for
 * the content in the fingerprint, so a change to something we could not keep still shows.
 * Non-finite numbers (`1e400` parses to Infinity) and non-JSON values hash as distinct tokens.
 */
export function digestJson(value: unknown): string {
  const hash = createHash('sha256');
  let buf = '';
  const emit = (s: string): void => {
    buf += s;
    if (buf.length >= FLUSH_AT) {
      hash.update(buf, 'utf8');
      buf = '';
    }
  };
  // A frame is either a value still to render or a literal token to emit (closing brackets, commas).
  const stack: Array<{ v: unknown } | { t: string }> = [{ v: value }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('t' in frame) {
      emit(frame.t);
      continue;
    }
    const v = frame.v;
    switch (typeof v) {
      case 'string':
        emit(JSON.stringify(v));
        continue;
      case 'number':
        emit(Number.isFinite(v) ? JSON.stringify(v) : `#${String(v)}`);
        continue;
      case 'boolean':
        emit(v ? 'true' : 'false');
        continue;
      case 'object':
        break;
      default:
        emit(`#${typeof v}`);
        continue;
    }
    if (v === null) {
      emit('null');
      continue;
    }
    if (Array.isArray(v)) {
      emit('[');
      stack.push({ t: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push({ t: ',' });
      }
      continue;
    }
    const record = v as Record<string, unknown>;
    // Default sort compares UTF-16 code units: the same order canonicalJson uses.
    const keys = Object.keys(record).sort();
    emit('{');
    stack.push({ t: '}' });
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({ v: record[key] });
      stack.push({ t: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
    }
  }
  hash.update(buf, 'utf8');
  return hash.digest('hex');
}
