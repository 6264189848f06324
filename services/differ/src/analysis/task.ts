import type { Alert, DecisionPolicy, OpenFinding, RejectedVersion, RuleTuning, ServerState, SuppressedFinding } from '@driftwatch/core';
import type { JsonBlob } from '@driftwatch/store';
import type { CachedScan } from '../scan-cache.js';

/** The differ's view of one catalog entry, as an analysis needs it (core's decisionPolicyOf, plus the id). */
export interface ServerPolicy extends DecisionPolicy {
  id: string;
}

/**
 * Brings an analysis thread's mirror of the cross-server name index up to `to`: the ops after
 * `from` in order (a server's names, or null when it left the catalog), or, with `reset`, the
 * whole index. `epoch` names the differ's index, so a mirror built for another starts over.
 */
export interface IndexSync {
  epoch: string;
  from: number;
  to: number;
  reset: boolean;
  ops: Array<[serverId: string, names: readonly string[] | null]>;
}

/** Everything one snapshot's analysis needs: no I/O happens where it runs. */
export interface AnalyseTask {
  kind: 'analyse';
  /** The message as it came off the bus (JSON bytes). */
  bytes: Uint8Array;
  /** The bus key: the server id the message must be about. */
  key: string;
  server: ServerPolicy;
  baseline: JsonBlob | null;
  open: Record<string, OpenFinding>;
  /** Tool versions a human rejected: their changes are decided, not new (optional for old callers). */
  rejections?: RejectedVersion[];
  tuning: RuleTuning;
  /** The findings of the server's last scan, still valid for that fingerprint (see ScanCache). */
  cache: (CachedScan & { keys?: ArrayLike<number> }) | null;
  /** The name-index ops this thread may lack; without them, a scan answers `needsIndex`. */
  index?: IndexSync;
  now: string;
}

/** Tool names of stored snapshots (refreshing the cross-server index without parsing on the loop). */
export interface ToolNamesTask {
  kind: 'toolNames';
  snapshots: Array<{ serverId: string; json: string }>;
}

export type AnalysisTask = AnalyseTask | ToolNamesTask;

export interface Analysed {
  ok: true;
  type: 'snapshot' | 'probe_failure';
  pollId: string;
  triggers: Alert[];
  resolves: Alert[];
  open: Record<string, OpenFinding>;
  statePatch: Partial<Omit<ServerState, 'serverId' | 'quarantine'>>;
  changeCount: number;
  suppressed: SuppressedFinding[];
  /** The version of the thread's name-index mirror after this task (-1: none yet). */
  indexAt: number;
  /** Snapshot only: its evaluation key, recomputed from what it holds (see core's evaluationKeyOf). */
  evaluationKey?: string;
  /** Snapshot only: the validated snapshot to store, its tool names, and the scan for the cache. */
  snapshot?: JsonBlob;
  toolNames?: string[];
  scan?: CachedScan & {
    /** The lookup keys the scan read (core's recordLookups) and the index version it read them at. */
    keys: number[];
    indexAt: number;
    /** Tools the rules ran on (the others' findings were reused from the last scan). */
    toolsScanned: number;
  };
  /** When trust on first use adopted this snapshot: the baseline to store and publish. */
  baseline?: JsonBlob;
}

export type AnalyseResult =
  | Analysed
  | { ok: false; reason: string }
  /**
   * The scan cache did not hold and the thread's name index is not at the task's version: ask
   * again with the ops after `have` (-1: the whole index).
   */
  | { ok: false; needsIndex: true; have: number };

export type ToolNamesResult = Array<{ serverId: string; toolNames: string[] }>;
