import type { Alert, Finding, OpenFinding, PinnedModel, RejectedVersion, RuleTuning, ServerState, SuppressedFinding } from '@driftwatch/core';
import type { JsonBlob } from '@driftwatch/store';

/** The differ's view of one catalog entry, as an analysis needs it. */
export interface ServerPolicy {
  id: string;
  approvalRequired: boolean;
  pinnedModels?: PinnedModel[];
}

/** Cached content findings of a server's last scanned snapshot. */
export interface ScanCacheEntry {
  fingerprint: string;
  indexVersion: number;
  findings: Finding[];
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
  cache: ScanCacheEntry | null;
  indexVersion: number;
  /** Other servers' tool names (shadowing rules); omitted when the cache is expected to hold. */
  others?: Array<{ serverId: string; toolNames: readonly string[] }>;
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
  /** Snapshot only: the validated snapshot to store, its tool names, and the scan for the cache. */
  snapshot?: JsonBlob;
  toolNames?: string[];
  scan?: ScanCacheEntry;
  /** When trust on first use adopted this snapshot: the baseline to store and publish. */
  baseline?: JsonBlob;
}

export type AnalyseResult =
  | Analysed
  | { ok: false; reason: string }
  /** The scan cache did not hold and the task came without the cross-server index: ask again with it. */
  | { ok: false; needsIndex: true };

export type ToolNamesResult = Array<{ serverId: string; toolNames: string[] }>;
