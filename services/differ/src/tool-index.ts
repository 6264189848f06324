import { randomUUID } from 'node:crypto';
import { changedKeys, ToolNameIndex as NameIndex } from '@driftwatch/core';
import type { StatePort } from '@driftwatch/store';
import type { Analyser } from './analysis/analyser.js';
import type { IndexSync } from './analysis/task.js';

/** One change of one server's tool names, in order; `names: null` is a removal. */
interface NameOp {
  seq: number;
  serverId: string;
  names: readonly string[] | null;
  /** The lookup keys it touched (see core's changedKeys). */
  keys: number[];
}

/** Ops kept for analysis threads that are behind; one further behind gets the whole index. */
const MAX_LOG = 4096;
/** Stored snapshots read and parsed at once when catching up with other replicas' work. */
const REFRESH_BATCH = 128;

/**
 * Tool names per catalogued server, for the shadowing and cross-server rules. The differ keeps
 * the index here and each analysis thread a mirror of it, brought up to date by the ops since
 * the thread's last answer (see IndexSync), so a snapshot carries a few names, not the catalog.
 * Snapshots this differ handles update it at once; other replicas' work is read from the store
 * at most every `refreshMs` (parsed on an analysis thread, only where the fingerprint moved).
 */
export class ToolNameIndex {
  private readonly index = new NameIndex();
  /** The snapshot fingerprint each entry was taken from, so a refresh re-reads only what changed. */
  private readonly indexed = new Map<string, string>();
  private readonly log: NameOp[] = [];
  /** Ops after this seq are all in the log. */
  private logFrom = 0;
  private seq = 0;
  /** The seq the analysis threads last said they had (a guess with several threads). */
  private threadSeq = -1;
  /** Distinguishes this index from another differ's in the same process (inline analysers). */
  private readonly epoch = randomUUID();
  private loadedAt = -Infinity;

  constructor(
    private readonly store: StatePort,
    private readonly analyser: Analyser,
    /** The catalogued servers now (the catalog changes while the differ runs). */
    private readonly serverIds: () => readonly string[],
    /** Called with the keys a change touched: cached scans that read one of them are stale. */
    private readonly onChange: (keys: readonly number[], serverId: string) => void,
    private readonly refreshMs = 30_000,
  ) {}

  record(serverId: string, toolNames: readonly string[], fingerprint?: string): void {
    if (fingerprint !== undefined) this.indexed.set(serverId, fingerprint);
    const known = this.index.namesOf(serverId) !== undefined;
    const changed = this.index.set(serverId, toolNames);
    if (known && changed.length === 0) return;
    this.append(serverId, toolNames, changed);
  }

  /** Drops a server that left the catalog. */
  forget(serverId: string): void {
    this.indexed.delete(serverId);
    if (this.index.namesOf(serverId) === undefined) return;
    this.append(serverId, null, this.index.delete(serverId));
  }

  /**
   * What an analysis thread needs to bring its mirror up to `version`: the ops since `have`
   * (default: what the threads last reported), or the whole index when those are gone.
   */
  async sync(have = this.threadSeq): Promise<IndexSync> {
    if (performance.now() - this.loadedAt > this.refreshMs) await this.refresh();
    if (have >= 0 && have >= this.logFrom) {
      // Seqs in the log are consecutive: the ops after `have` start at a known position.
      const first = this.log[0]?.seq ?? this.seq + 1;
      const ops = this.log.slice(Math.max(0, have + 1 - first)).map((op): [string, readonly string[] | null] => [op.serverId, op.names]);
      return { epoch: this.epoch, from: have, to: this.seq, reset: false, ops };
    }
    const ops: Array<[string, readonly string[] | null]> = [];
    for (const id of this.index.serverIds()) ops.push([id, this.index.namesOf(id) ?? []]);
    return { epoch: this.epoch, from: 0, to: this.seq, reset: true, ops };
  }

  /** An analysis thread's answer said where its mirror is. */
  threadAt(seq: number): void {
    this.threadSeq = seq;
  }

  /**
   * The keys changed by ops after `seq` other than `serverId`'s own (its own names never
   * answer its lookups), or null when those ops are no longer known.
   */
  keysChangedSince(seq: number, serverId: string): Set<number> | null {
    if (seq < this.logFrom) return null;
    const keys = new Set<number>();
    for (let i = this.log.length - 1; i >= 0 && this.log[i]!.seq > seq; i--) {
      const op = this.log[i]!;
      if (op.serverId !== serverId) for (const k of op.keys) keys.add(k);
    }
    return keys;
  }

  private append(serverId: string, names: readonly string[] | null, changed: string[]): void {
    const keys = changedKeys(changed, this.index);
    this.log.push({ seq: ++this.seq, serverId, names, keys });
    if (this.log.length > MAX_LOG) {
      const dropped = this.log.splice(0, MAX_LOG / 2);
      this.logFrom = dropped[dropped.length - 1]!.seq;
    }
    this.onChange(keys, serverId);
  }

  /** Re-reads the snapshots whose fingerprint moved since they were indexed (another replica's work). */
  private async refresh(): Promise<void> {
    this.loadedAt = performance.now();
    const wanted = new Set(this.serverIds());
    const stale = (await this.store.listServerStates()).filter(
      (st) => wanted.has(st.serverId) && st.lastSnapshotFingerprint !== undefined && st.lastSnapshotFingerprint !== this.indexed.get(st.serverId),
    );
    // In batches: after a restart every server is stale, and 10,000 snapshots at once would be
    // gigabytes of JSON in flight.
    for (let i = 0; i < stale.length; i += REFRESH_BATCH) {
      const batch = stale.slice(i, i + REFRESH_BATCH);
      const blobs = await Promise.all(batch.map(async (st) => ({ serverId: st.serverId, blob: await this.store.getLatestSnapshotJson(st.serverId) })));
      const snapshots = blobs.flatMap(({ serverId, blob }) => (blob ? [{ serverId, json: blob.json, fingerprint: blob.fingerprint }] : []));
      if (snapshots.length === 0) continue;
      const found = await this.analyser.toolNames({ kind: 'toolNames', snapshots: snapshots.map(({ serverId, json }) => ({ serverId, json })) });
      const fingerprints = new Map(snapshots.map((s) => [s.serverId, s.fingerprint]));
      for (const { serverId, toolNames } of found) this.record(serverId, toolNames, fingerprints.get(serverId));
    }
  }
}
