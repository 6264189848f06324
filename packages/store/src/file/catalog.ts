import { z } from 'zod';
import { CatalogEntry, IsoTime } from '@driftwatch/core';
import { CorruptValueError } from '../errors.js';

/**
 * Journal records of the living catalog: `cat` sets (or, with null, removes) one entry; `catseed`
 * marks that the config file seeded the catalog (`catalog: api`). Like every record they set a
 * value, so replaying one twice is harmless.
 */
export const CatalogRecords = [
  z.object({ t: z.literal('cat'), id: z.string().min(1), v: CatalogEntry.nullable() }),
  z.object({ t: z.literal('catseed'), at: IsoTime }),
] as const;
export type CatalogRecord = z.infer<(typeof CatalogRecords)[number]>;

/** The catalog part of the embedded store's memory (see MemoryState). */
export class CatalogState {
  private readonly entries = new Map<string, CatalogEntry>();
  seededAt: string | null = null;

  apply(rec: CatalogRecord): void {
    if (rec.t === 'catseed') {
      this.seededAt = rec.at;
      return;
    }
    if (rec.v) this.entries.set(rec.id, rec.v);
    else this.entries.delete(rec.id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): CatalogEntry | null {
    const e = this.entries.get(id);
    return e ? structuredClone(e) : null;
  }

  list(): CatalogEntry[] {
    return [...this.entries.keys()].sort().map((id) => structuredClone(this.entries.get(id)!));
  }

  /** Journal lines that rebuild this part of the state. */
  dump(): string[] {
    const lines = [...this.entries].map(([id, v]) => JSON.stringify({ t: 'cat', id, v }));
    if (this.seededAt) lines.push(JSON.stringify({ t: 'catseed', at: this.seededAt }));
    return lines;
  }
}

/** A value validated as a catalog entry; throws CorruptValueError naming `key`. */
export function entryOf(key: string, value: unknown): CatalogEntry {
  const parsed = CatalogEntry.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptValueError(key, `not a valid catalog entry: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** An entry about to be written, validated: what is written is what replay (and every reader) accepts. */
export function checkedEntry(entry: CatalogEntry): CatalogEntry {
  return entryOf(`catalog:${String((entry as { id?: unknown }).id)}`, entry);
}
