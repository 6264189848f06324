import type { StatePort } from '@driftwatch/store';
import type { Analyser } from './analysis/analyser.js';

/**
 * Tool names per catalogued server, for the shadowing rules. Kept in memory and refreshed from the
 * store's latest snapshots at most every `refreshMs` (parsed on an analysis thread, not here), so
 * a snapshot costs O(1) store reads instead of one per server; snapshots this differ handles
 * update it at once.
 */
export class ToolNameIndex {
  private readonly names = new Map<string, readonly string[]>();
  /** The snapshot fingerprint each entry was taken from, so a refresh re-reads only what changed. */
  private readonly indexed = new Map<string, string>();
  private loadedAt = -Infinity;
  /** Bumped whenever any server's tool names change, so scan results can be cached against it. */
  version = 0;

  constructor(
    private readonly store: StatePort,
    private readonly analyser: Analyser,
    /** The catalogued servers now (the catalog changes while the differ runs). */
    private readonly serverIds: () => readonly string[],
    private readonly refreshMs = 30_000,
  ) {}

  record(serverId: string, toolNames: readonly string[], fingerprint?: string): void {
    if (fingerprint !== undefined) this.indexed.set(serverId, fingerprint);
    const prior = this.names.get(serverId);
    if (prior && prior.length === toolNames.length && prior.every((n, i) => n === toolNames[i])) return;
    this.names.set(serverId, toolNames);
    this.version++;
  }

  /** Drops a server that left the catalog. */
  forget(serverId: string): void {
    this.indexed.delete(serverId);
    if (this.names.delete(serverId)) this.version++;
  }

  async others(selfId: string): Promise<Array<{ serverId: string; toolNames: readonly string[] }>> {
    if (performance.now() - this.loadedAt > this.refreshMs) await this.refresh();
    const out = [];
    for (const [serverId, toolNames] of this.names) if (serverId !== selfId) out.push({ serverId, toolNames });
    return out;
  }

  /** Re-reads the snapshots whose fingerprint moved since they were indexed (another replica's work). */
  private async refresh(): Promise<void> {
    this.loadedAt = performance.now();
    const wanted = new Set(this.serverIds());
    const stale = (await this.store.listServerStates()).filter(
      (st) => wanted.has(st.serverId) && st.lastSnapshotFingerprint !== undefined && st.lastSnapshotFingerprint !== this.indexed.get(st.serverId),
    );
    const blobs = await Promise.all(stale.map(async (st) => ({ serverId: st.serverId, blob: await this.store.getLatestSnapshotJson(st.serverId) })));
    const snapshots = blobs.flatMap(({ serverId, blob }) => (blob ? [{ serverId, json: blob.json, fingerprint: blob.fingerprint }] : []));
    if (snapshots.length === 0) return;
    const found = await this.analyser.toolNames({ kind: 'toolNames', snapshots: snapshots.map(({ serverId, json }) => ({ serverId, json })) });
    const fingerprints = new Map(snapshots.map((s) => [s.serverId, s.fingerprint]));
    for (const { serverId, toolNames } of found) this.record(serverId, toolNames, fingerprints.get(serverId));
  }
}
