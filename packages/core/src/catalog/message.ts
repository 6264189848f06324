import { z } from 'zod';
import { canonicalJson } from '../canonical.js';
import { stableId } from '../ids.js';
import { Envelope } from '../schemas/envelope.js';
import { CatalogEntry } from './entry.js';

/**
 * One server's definition on `mcp.catalog.v1` (compacted, key = server id). A removal is a
 * tombstone: the key with a null value, which compaction keeps until every reader has seen it.
 */
export const CatalogMessage = Envelope.extend({
  type: z.literal('catalog_entry'),
  entry: CatalogEntry,
});
export type CatalogMessage = z.infer<typeof CatalogMessage>;

/** The message for an entry: its id is derived from the definition, so a re-publish dedupes. */
export function makeCatalogMessage(entry: CatalogEntry, time: string): CatalogMessage {
  return { id: stableId('cat', entry.id, canonicalJson(entry)), type: 'catalog_entry', version: 1, time, serverId: entry.id, entry };
}
