import { canonicalJson } from '../canonical.js';
import type { ServerConfig } from '../config.js';
import type { CatalogEntry } from './entry.js';

export interface CatalogChangeSet {
  added: CatalogEntry[];
  changed: Array<{ before: CatalogEntry; after: CatalogEntry }>;
  removed: CatalogEntry[];
}

/** Two definitions of a server are the same when their canonical JSON is (key order never matters). */
export function sameEntry(a: ServerConfig, b: ServerConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * What turns `current` into `desired`, by server id: entries only in `desired` are added, entries
 * whose definition differs are changed, entries only in `current` are removed. Sorted by id, so
 * applying (and auditing) a difference is deterministic.
 */
export function diffCatalog(current: readonly CatalogEntry[], desired: readonly CatalogEntry[]): CatalogChangeSet {
  const before = new Map(current.map((e) => [e.id, e]));
  const after = new Map(desired.map((e) => [e.id, e]));
  const out: CatalogChangeSet = { added: [], changed: [], removed: [] };
  for (const id of [...after.keys()].sort()) {
    const next = after.get(id)!;
    const prev = before.get(id);
    if (!prev) out.added.push(next);
    else if (!sameEntry(prev, next)) out.changed.push({ before: prev, after: next });
  }
  for (const id of [...before.keys()].sort()) if (!after.has(id)) out.removed.push(before.get(id)!);
  return out;
}

export function isEmptyChangeSet(c: CatalogChangeSet): boolean {
  return c.added.length === 0 && c.changed.length === 0 && c.removed.length === 0;
}

/**
 * The fields that differ between two definitions, for the audit trail and logs: top-level names,
 * and `headers.NAME` / `env.NAME` for the maps whose values may be credentials — names only,
 * never a value (not even a reference).
 */
export function changedFields(before: ServerConfig, after: ServerConfig): string[] {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[key] === undefined && b[key] === undefined) continue;
    if (key === 'headers' || key === 'env') {
      const x = (a[key] ?? {}) as Record<string, string>;
      const y = (b[key] ?? {}) as Record<string, string>;
      for (const name of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) if (x[name] !== y[name]) out.push(`${key}.${name}`);
      continue;
    }
    if (canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null)) out.push(key);
  }
  return out;
}
