import {
  allowlistEntry,
  allowlistEtag,
  allowlistTools,
  assembleAllowlist,
  etagMatches,
  type AllowlistDocument,
  type AllowlistServer,
  type AllowlistToolView,
  type ToolRejection,
} from '@driftwatch/core';
import type { StatePort } from '@driftwatch/store';

export interface AllowlistDeps {
  store: StatePort;
  now: () => Date;
  /** One per API process (createAllowlistCache): skips re-reading snapshots that did not change. */
  cache?: AllowlistCache;
}

export type AllowlistResult = { status: 304; etag: string } | { status: 200; etag: string; body: AllowlistDocument };

interface CachedTools {
  key: string;
  baselineFingerprint: string | null;
  view: AllowlistToolView;
}

/**
 * What makes repeated polls cheap. Per server, the tool part of its entry, keyed by the
 * fingerprints it was computed from (baseline, latest snapshot, rejections): a poll reads the
 * server states and rejections (two store calls) and parses a snapshot only when one changed.
 * And the time the current content was first produced, so one process serves the same bytes
 * for the same ETag.
 */
export interface AllowlistCache {
  tools: Map<string, CachedTools>;
  last?: { etag: string; generatedAt: string };
}

export function createAllowlistCache(): AllowlistCache {
  return { tools: new Map() };
}

function rejectionKey(rejections: readonly ToolRejection[]): string {
  return rejections.map((r) => `${r.tool}\u0000${r.fingerprint}\u0000${r.reason}`).join('\u0001');
}

async function toolsOf(store: StatePort, serverId: string, expectedKey: string, rejections: readonly ToolRejection[], cache: AllowlistCache | undefined): Promise<CachedTools> {
  const hit = cache?.tools.get(serverId);
  if (hit && hit.key === expectedKey) return hit;
  const [baseline, current] = await Promise.all([store.getBaseline(serverId), store.getLatestSnapshot(serverId)]);
  const view = allowlistTools(baseline?.snapshot ?? null, current, rejections);
  // Keyed by what was read, not what the state said: the state may lag the blobs by a write.
  const entry = { key: `${baseline?.fingerprint ?? ''}|${current?.fingerprints.snapshot ?? ''}|${rejectionKey(rejections)}`, baselineFingerprint: baseline?.fingerprint ?? null, view };
  cache?.tools.set(serverId, entry);
  return entry;
}

/**
 * GET /v1/allowlist as an operation: the document for the servers of the catalog (in any
 * order; ids not known to the store are listed as pending, with nothing approved), its strong
 * ETag, and 304 when `ifNoneMatch` names it. The HTTP layer sends `ETag` on both and the body
 * only on 200; `Cache-Control: no-cache` lets intermediaries keep it only if they revalidate.
 * See `buildAllowlist` in @driftwatch/core for the contract a gateway enforces.
 */
export async function getAllowlist(deps: AllowlistDeps, serverIds: readonly string[], ifNoneMatch?: string | readonly string[]): Promise<AllowlistResult> {
  const { store, cache } = deps;
  const [states, rejections] = await Promise.all([store.listServerStates(), store.listToolRejections()]);
  const stateById = new Map(states.map((s) => [s.serverId, s]));
  const rejectionsById = new Map<string, ToolRejection[]>();
  for (const r of rejections) rejectionsById.set(r.serverId, [...(rejectionsById.get(r.serverId) ?? []), r]);

  const ids = [...new Set(serverIds)];
  const entries: AllowlistServer[] = [];
  for (const id of ids) {
    const state = stateById.get(id) ?? null;
    const rej = rejectionsById.get(id) ?? [];
    const key = `${state?.baselineFingerprint ?? ''}|${state?.lastSnapshotFingerprint ?? ''}|${rejectionKey(rej)}`;
    const tools = await toolsOf(store, id, key, rej, cache);
    // The baseline fingerprint is the one the pinned tools came from, not the state's copy.
    entries.push(allowlistEntry(id, state, tools.baselineFingerprint, tools.view));
  }
  if (cache) {
    const wanted = new Set(ids);
    for (const id of cache.tools.keys()) if (!wanted.has(id)) cache.tools.delete(id);
  }

  const content = assembleAllowlist(entries, '');
  const etag = allowlistEtag(content);
  if (etagMatches(ifNoneMatch, etag)) return { status: 304, etag };
  let generatedAt = deps.now().toISOString();
  if (cache) {
    if (cache.last?.etag === etag) generatedAt = cache.last.generatedAt;
    else cache.last = { etag, generatedAt };
  }
  return { status: 200, etag, body: { ...content, generatedAt } };
}
