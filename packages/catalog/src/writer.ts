import { makeAction, makeCatalogMessage, TOPICS, type CatalogEntry } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

export interface CatalogWriteDeps {
  bus: BusPort;
  store: StatePort;
  now: () => Date;
}

/**
 * Writes one entry: the store first, then `mcp.catalog.v1`. Every view re-reads the store when a
 * message arrives (see view.ts), so the store must already hold what the message announces. If
 * the publish fails after the store write, views still pick the change up at their next resync.
 * With `onlyIfAbsent`, nothing is written (and false returned) when the id is taken.
 */
export async function publishEntry(deps: CatalogWriteDeps, entry: CatalogEntry, options: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
  const written = await deps.store.putCatalogEntry(entry, options);
  if (!written) return false;
  await deps.bus.publish(TOPICS.catalog, entry.id, makeCatalogMessage(entry, deps.now().toISOString()));
  return true;
}

/** Removes one entry: from the store, then a tombstone on `mcp.catalog.v1`. False when there was none. */
export async function publishRemoval(deps: CatalogWriteDeps, serverId: string): Promise<boolean> {
  const removed = await deps.store.deleteCatalogEntry(serverId);
  // A tombstone even when the store had nothing: a view that still holds the server drops it.
  await deps.bus.publishTombstone(TOPICS.catalog, serverId);
  return removed;
}

export type CatalogActionKind = 'server.add' | 'server.update' | 'server.remove';

/**
 * One catalog change in the audit trail: announced on `mcp.actions.v1` and appended to the
 * store's audit, with the actor. `details` must never hold a credential (field names only).
 */
export async function auditCatalogChange(
  deps: CatalogWriteDeps,
  change: { action: CatalogActionKind; serverId: string; actor: string; reason: string; details?: Record<string, unknown> },
): Promise<string> {
  const time = deps.now().toISOString();
  const action = makeAction(
    { serverId: change.serverId, action: change.action, actor: change.actor, reason: change.reason, time, ...(change.details ? { details: change.details } : {}) },
    [change.actor, time],
  );
  await deps.bus.publish(TOPICS.actions, change.serverId, action);
  await deps.store.appendAudit(action);
  return action.id;
}
