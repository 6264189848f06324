import type { z } from 'zod';
import { formatPath, type ConfigIssue } from './config-error.js';

/**
 * Turns zod issues into operator-facing lines: the field path first, then the reason in words.
 * `raw` is the parsed-but-unvalidated document, used to tell "missing" from "wrong type" without
 * ever echoing a value (config values may hold secrets).
 */
export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // One line per key: "servers[0]: unrecognized key "intervall"".
      for (const key of issue.keys) out.push({ path: formatPath(issue.path), message: `unrecognized key ${JSON.stringify(key)}` });
      continue;
    }
    out.push({ path: formatPath(issue.path), message: describe(issue, raw) });
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, raw: unknown): string {
  const present = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length === 0) {
        return present.value === undefined || present.value === null
          ? 'config is empty: expected a mapping with a "servers" list'
          : `config must be a mapping with a "servers" list, got ${withArticle(typeOf(present.value))}`;
      }
      if (present.found === false || present.value === undefined || present.value === null) return 'is required';
      return `must be ${withArticle(typeName(issue.expected))}, got ${withArticle(typeOf(present.value))}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) {
        const list = options.map((v) => JSON.stringify(v)).join(', ');
        if (!present.found || present.value === undefined) return `is required (one of ${list})`;
        return `must be one of ${list}`;
      }
      return issue.message;
    }
    case 'invalid_format': {
      if (issue.format === 'url') {
        const last = issue.path[issue.path.length - 1];
        return last === 'url' ? 'must be a valid http:// or https:// URL' : 'must be a valid URL';
      }
      return `has an invalid format (expected ${issue.message})`;
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? issue.message;
      return `invalid key (expected ${inner})`;
    }
    case 'too_big':
      return `${sizeWord(issue.origin, 'at most', issue.maximum)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `${sizeWord(issue.origin, 'at least', issue.minimum)}`;
    default:
      return issue.message;
  }
}

function sizeWord(origin: string, bound: string, n: number | bigint): string {
  switch (origin) {
    case 'string':
      return `must be ${bound} ${n} characters long`;
    case 'array':
    case 'set':
      return `must have ${bound} ${n} items`;
    default:
      return `must be ${bound} ${n}`;
  }
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { found: true, value: cur };
}

function typeName(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'mapping';
  if (expected === 'array') return 'list';
  return expected;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function withArticle(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
