import type { StatePort } from '@driftwatch/store';

/**
 * Tool names per catalogued server, for the shadowing rules. Kept in memory and refreshed from the
 * store's latest snapshots at most every `refreshMs`, so a snapshot costs O(1) store reads instead
 * of one per server; snapshots this differ handles update it at once.
 */
export class ToolNameIndex {
  private readonly names = new Map<string, readonly string[]>();
  private loadedAt = -Infinity;
  /** Bumped whenever any server's tool names change, so scan results can be cached against it. */
  version = 0;

  constructor(
    private readonly store: StatePort,
    private readonly serverIds: readonly string[],
    private readonly refreshMs = 30_000,
  ) {}

  record(serverId: string, toolNames: readonly string[]): void {
    const prior = this.names.get(serverId);
    if (prior && prior.length === toolNames.length && prior.every((n, i) => n === toolNames[i])) return;
    this.names.set(serverId, toolNames);
    this.version++;
  }

  async others(selfId: string): Promise<Array<{ serverId: string; toolNames: readonly string[] }>> {
    if (performance.now() - this.loadedAt > this.refreshMs) await this.refresh();
    const out = [];
    for (const [serverId, toolNames] of this.names) if (serverId !== selfId) out.push({ serverId, toolNames });
    return out;
  }

  private async refresh(): Promise<void> {
    this.loadedAt = performance.now();
    const snaps = await Promise.all(this.serverIds.map((id) => this.store.getLatestSnapshot(id)));
    for (const s of snaps) if (s) this.record(s.serverId, s.tools.map((t) => t.name));
  }
}
