import type { ServerState } from '@driftwatch/core';

/**
 * What a full analysis of a server's snapshot concluded when it changed nothing: no alert, no
 * resolve, no baseline, open findings as they were. The next snapshot with the same evaluation
 * key and the same inputs (policy, baseline, open findings, rejections, and a cached scan that
 * still holds) would conclude the same, so it costs a state update instead of a decode, a rule
 * pass and a diff.
 */
interface Settled {
  evaluationKey: string;
  fingerprint: string;
  inputs: string;
  drifted: boolean;
}

export class RepeatMemo {
  private readonly settled = new Map<string, Settled>();

  /** Remembers a full analysis that changed nothing; any other outcome forgets the server. */
  record(serverId: string, outcome: { evaluationKey?: string; fingerprint?: string; inputs: string; quiet: boolean; drifted: boolean }): void {
    if (!outcome.quiet || outcome.evaluationKey === undefined || outcome.fingerprint === undefined) {
      this.settled.delete(serverId);
      return;
    }
    this.settled.set(serverId, { evaluationKey: outcome.evaluationKey, fingerprint: outcome.fingerprint, inputs: outcome.inputs, drifted: outcome.drifted });
  }

  forget(serverId: string): void {
    this.settled.delete(serverId);
  }

  /**
   * The state update that stands for a full analysis of this repeat, or null when anything it
   * depended on moved. `cachedFingerprint` is the fingerprint of the server's cached scan (a
   * changed tool name elsewhere in the catalog drops it).
   */
  match(
    serverId: string,
    head: { evaluationKey: string; pollId: string; time: string },
    inputs: string,
    cachedFingerprint: string | undefined,
  ): Partial<Omit<ServerState, 'serverId' | 'quarantine'>> | null {
    const s = this.settled.get(serverId);
    if (!s || s.evaluationKey !== head.evaluationKey || s.inputs !== inputs || cachedFingerprint !== s.fingerprint) return null;
    return { reachable: true, lastError: undefined, lastPollAt: head.time, lastPollId: head.pollId, lastSnapshotFingerprint: s.fingerprint, drifted: s.drifted };
  }
}
