import { LIMITS } from '../limits.js';
import { compareStrings } from '../fingerprint.js';
import { shortJson } from './format.js';

const MAX_LINES = 200;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b`, `a["odd key"]`, `a[3]`: readable paths, with hostile keys quoted and cut. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][\w$-]{0,79}$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${shortJson(key, 80)}]`;
}

/** Structural equality of JSON values (key order ignored), bounded in depth. */
export function jsonEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > LIMITS.maxJsonDepth * 4) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i], depth + 1));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && jsonEqual(ra[k], rb[k], depth + 1));
}

/**
 * Per-path differences between two JSON values: `+ path value`, `- path`, `~ path a → b`.
 * Used for capabilities, _meta, prompts and resources, where a path list is the useful story.
 */
export function jsonDiffLines(before: unknown, after: unknown, base = ''): string[] {
  const out: string[] = [];
  walk(before, after, base, 0, out);
  return out.length > MAX_LINES ? [...out.slice(0, MAX_LINES), `… and ${out.length - MAX_LINES} more`] : out;
}

function walk(b: unknown, a: unknown, path: string, depth: number, out: string[]): void {
  if (out.length > MAX_LINES || jsonEqual(b, a)) return;
  const label = path || '(root)';
  if (b === undefined) {
    out.push(`+ ${label} ${shortJson(a)}`);
    return;
  }
  if (a === undefined) {
    out.push(`- ${label}`);
    return;
  }
  if (depth >= LIMITS.maxJsonDepth) {
    out.push(`~ ${label} changed (nested deeper than ${LIMITS.maxJsonDepth} levels)`);
    return;
  }
  if (isPlainObject(b) && isPlainObject(a)) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(compareStrings);
    for (const k of keys) walk(b[k], a[k], joinPath(path, k), depth + 1, out);
    return;
  }
  if (Array.isArray(b) && Array.isArray(a)) {
    const n = Math.max(b.length, a.length);
    for (let i = 0; i < n; i++) walk(b[i], a[i], joinPath(path, i), depth + 1, out);
    return;
  }
  out.push(`~ ${label} ${shortJson(b)} → ${shortJson(a)}`);
}
