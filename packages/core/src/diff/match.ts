import { compareStrings } from '../fingerprint.js';

export interface Matched<T> {
  pairs: Array<{ before: T; after: T }>;
  removed: T[];
  added: T[];
}

/**
 * Pair items of two lists by key (tool name, resource uri …), independent of list order.
 * Duplicate keys (a misbehaving server) pair identical items first, then the rest in
 * fingerprint order, so reordering a list never produces a change.
 */
export function matchByKey<T>(before: readonly T[], after: readonly T[], key: (t: T) => string, fp: (t: T) => string): Matched<T> {
  const group = (list: readonly T[]): Map<string, Array<{ item: T; fp: string }>> => {
    const m = new Map<string, Array<{ item: T; fp: string }>>();
    for (const item of list) {
      const k = key(item);
      const g = m.get(k) ?? [];
      g.push({ item, fp: fp(item) });
      m.set(k, g);
    }
    for (const g of m.values()) g.sort((x, y) => compareStrings(x.fp, y.fp));
    return m;
  };
  const bg = group(before);
  const ag = group(after);
  const out: Matched<T> = { pairs: [], removed: [], added: [] };
  const keys = [...new Set([...bg.keys(), ...ag.keys()])].sort(compareStrings);
  for (const k of keys) {
    const bs = [...(bg.get(k) ?? [])];
    const as = [...(ag.get(k) ?? [])];
    // Identical items first.
    for (let i = bs.length - 1; i >= 0; i--) {
      const j = as.findIndex((x) => x.fp === bs[i]?.fp);
      const b = bs[i];
      const a = as[j];
      if (j >= 0 && b && a) {
        out.pairs.push({ before: b.item, after: a.item });
        bs.splice(i, 1);
        as.splice(j, 1);
      }
    }
    const n = Math.min(bs.length, as.length);
    for (let i = 0; i < n; i++) {
      const b = bs[i];
      const a = as[i];
      if (b && a) out.pairs.push({ before: b.item, after: a.item });
    }
    for (const b of bs.slice(n)) out.removed.push(b.item);
    for (const a of as.slice(n)) out.added.push(a.item);
  }
  return out;
}
