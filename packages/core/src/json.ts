import { LIMITS } from './limits.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Depth of a JSON value; stops counting past `limit` so a hostile value costs O(limit) frames. */
export function jsonDepth(value: unknown, limit: number = LIMITS.maxJsonDepth + 1): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const child of children) {
    const d = jsonDepth(child, limit - 1);
    if (d > deepest) deepest = d;
    if (deepest >= limit) break;
  }
  return deepest + 1;
}

export function isWithinDepth(value: unknown, max: number = LIMITS.maxJsonDepth): boolean {
  return jsonDepth(value, max + 1) <= max;
}
