import type { Logger } from 'pino';
import { canonicalJson, changedFields, diffCatalog, sha256Hex, type CatalogChangeSet, type CatalogEntry } from '@driftwatch/core';
import { auditCatalogChange, publishEntry, publishRemoval, type CatalogWriteDeps } from './writer.js';

/** The audit trail's actor for changes that come from the config file. */
export const FILE_ACTOR = 'config-file';

/** How long one process holds the right to apply one version of the file. */
const SYNC_LEASE_MS = 60_000;

export type CatalogMode = 'file' | 'api';

export interface CatalogSyncDeps extends CatalogWriteDeps {
  logger: Logger;
  /** Lease owner: distinct per process. */
  instanceId: string;
}

export interface CatalogSyncInput {
  mode: CatalogMode;
  /** The file's servers, credential references unresolved (runtime's catalogEntriesOf). */
  entries: readonly CatalogEntry[];
  /**
   * The file's servers as this process last applied them. Given (a reload) in `api` mode, the
   * edit between the two files is applied; absent (the start), the file seeds the catalog once.
   */
  previous?: readonly CatalogEntry[];
}

export interface CatalogSyncResult {
  /** What was applied (empty when nothing differed). */
  applied: { added: string[]; changed: string[]; removed: string[] };
  /** Why nothing was applied, if so: another process holds this version, or `api` mode already seeded. */
  skipped?: 'lease_held' | 'already_seeded';
}

/**
 * Writes the config file's servers to the living catalog (store, then `mcp.catalog.v1`), only
 * the difference, each change audited with the actor `config-file`:
 *
 * - `file` (GitOps): the file is the truth. The catalog becomes exactly the file's servers.
 * - `api`: the file seeds the catalog once (the store keeps a marker); after that the API is
 *   the truth. A reload applies the file's own edit (servers added, changed or removed in the
 *   file since this process read it) and leaves servers added through the API alone.
 *
 * Who writes in distributed mode: every process started with the config file may (at start, on
 * SIGHUP, on a file change in `file` mode). A store lease keyed by the version being applied lets
 * one process apply it while the others — holding the same file — skip it; a process holding a
 * different file (a rolling update) has a different key and applies its own.
 */
export async function syncCatalogFromFile(deps: CatalogSyncDeps, input: CatalogSyncInput): Promise<CatalogSyncResult> {
  const version = sha256Hex(canonicalJson({ mode: input.mode, entries: input.entries, previous: input.previous ?? null })).slice(0, 32);
  if (!(await deps.store.acquireLease(`catalog:sync:${version}`, deps.instanceId, SYNC_LEASE_MS))) {
    deps.logger.debug({ version }, 'catalog: another process is applying this config file; skipping');
    return { applied: { added: [], changed: [], removed: [] }, skipped: 'lease_held' };
  }
  if (input.mode === 'file') return apply(deps, diffCatalog(await deps.store.listCatalog(), input.entries), 'config file is the source of truth');
  if (input.previous) {
    return apply(deps, diffCatalog(input.previous, input.entries), 'config file edited');
  }
  if ((await deps.store.catalogSeededAt()) !== null) return { applied: { added: [], changed: [], removed: [] }, skipped: 'already_seeded' };
  // Seeding adds what is missing and never overwrites: a previous, interrupted seed may have
  // been followed by API changes that must stay.
  const current = new Set((await deps.store.listCatalog()).map((e) => e.id));
  const result = await apply(deps, { added: input.entries.filter((e) => !current.has(e.id)), changed: [], removed: [] }, 'seeded from the config file');
  await deps.store.markCatalogSeeded(deps.now().toISOString());
  return result;
}

async function apply(deps: CatalogSyncDeps, changes: CatalogChangeSet, reason: string): Promise<CatalogSyncResult> {
  const applied: CatalogSyncResult['applied'] = { added: [], changed: [], removed: [] };
  for (const entry of changes.added) {
    await publishEntry(deps, entry);
    await auditCatalogChange(deps, { action: 'server.add', serverId: entry.id, actor: FILE_ACTOR, reason, details: { transport: entry.transport } });
    applied.added.push(entry.id);
  }
  for (const { before, after } of changes.changed) {
    await publishEntry(deps, after);
    await auditCatalogChange(deps, { action: 'server.update', serverId: after.id, actor: FILE_ACTOR, reason, details: { fields: changedFields(before, after) } });
    applied.changed.push(after.id);
  }
  for (const entry of changes.removed) {
    if (await publishRemoval(deps, entry.id)) {
      await auditCatalogChange(deps, { action: 'server.remove', serverId: entry.id, actor: FILE_ACTOR, reason });
      applied.removed.push(entry.id);
    }
  }
  if (applied.added.length + applied.changed.length + applied.removed.length > 0) {
    deps.logger.info({ ...applied, reason }, 'catalog: applied the config file');
  }
  return { applied };
}
