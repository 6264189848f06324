import type { ServerConfig } from '../config.js';
import type { CatalogEntry } from './entry.js';

export type CatalogChange =
  | { type: 'added'; id: string; entry: CatalogEntry }
  | { type: 'changed'; id: string; entry: CatalogEntry; previous: CatalogEntry }
  | { type: 'removed'; id: string; previous: CatalogEntry };

/**
 * What a service needs from the living catalog: the servers as they are now, and a change feed.
 * Entries are UNRESOLVED (references kept); only the poller resolves them, right before a probe.
 */
export interface CatalogReader {
  /** Every server, sorted by id. */
  list(): readonly CatalogEntry[];
  get(id: string): CatalogEntry | undefined;
  has(id: string): boolean;
  /** Called synchronously for each applied change; returns the function that unsubscribes. */
  onChange(listener: (change: CatalogChange) => void): () => void;
}

/**
 * A catalog that never changes: the config file's servers as one process read them. What a
 * service uses when it is given no live view (unit tests, one-shot tools). The entries are the
 * config's own (already resolved) objects, so a poller may probe them as they are.
 */
export function staticCatalog(servers: readonly ServerConfig[]): CatalogReader {
  const entries = [...servers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) as CatalogEntry[];
  const byId = new Map(entries.map((e) => [e.id, e]));
  return {
    list: () => entries,
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    onChange: () => () => undefined,
  };
}
