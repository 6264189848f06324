import type { ServerConfig } from '@driftwatch/core';

/** A poll whose slot has begun and whose lease is held, waiting for a probe slot. */
export interface DueJob {
  server: ServerConfig;
  slot: number;
  pollId: string;
  /** When the slot began (ms): lag is measured from here. */
  dueAt: number;
  /** When the next slot begins (ms): a poll not started by then has missed its slot. */
  deadline: number;
}

/**
 * Due polls in two lanes, earliest deadline first within each (a server polled every 2 s goes
 * before one polled every 5 minutes that became due at the same moment: it has less time
 * before its slot is gone). Servers whose last poll failed, was slow or was large wait in the
 * probation lane, which may hold at most a share of the probe slots: ten servers that never
 * answer cannot take every slot from a healthy one. At most one job per server is queued; a
 * newer slot replaces an older one (which is late).
 */
export class DueQueue {
  private readonly healthy: DueJob[] = [];
  private readonly probation: DueJob[] = [];

  get size(): number {
    return this.healthy.length + this.probation.length;
  }

  /** Queues a job; returns the job it replaced (the same server's older slot), if any. */
  push(job: DueJob, onProbation: boolean): DueJob | undefined {
    const replaced = this.remove(job.server.id);
    insertByDeadline(onProbation ? this.probation : this.healthy, job);
    return replaced;
  }

  has(serverId: string): boolean {
    return this.healthy.some((j) => j.server.id === serverId) || this.probation.some((j) => j.server.id === serverId);
  }

  remove(serverId: string): DueJob | undefined {
    for (const lane of [this.healthy, this.probation]) {
      const i = lane.findIndex((j) => j.server.id === serverId);
      if (i >= 0) return lane.splice(i, 1)[0];
    }
    return undefined;
  }

  /**
   * The next job to start, given how many probation jobs already run and how many they may.
   * The healthy lane goes first; probation jobs fill free slots up to their share.
   */
  next(probationRunning: number, probationCap: number): { job: DueJob; probation: boolean } | undefined {
    const h = this.healthy.shift();
    if (h) return { job: h, probation: false };
    if (probationRunning >= probationCap) return undefined;
    const p = this.probation.shift();
    return p ? { job: p, probation: true } : undefined;
  }

  drain(): DueJob[] {
    return [...this.healthy.splice(0), ...this.probation.splice(0)];
  }
}

/** Keeps a lane sorted by deadline (ties: first come first served). */
function insertByDeadline(lane: DueJob[], job: DueJob): void {
  let lo = 0;
  let hi = lane.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lane[mid]!.deadline <= job.deadline) lo = mid + 1;
    else hi = mid;
  }
  lane.splice(lo, 0, job);
}
