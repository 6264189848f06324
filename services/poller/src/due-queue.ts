import type { ServerConfig } from '@driftwatch/core';

/** A poll whose slot has begun and whose lease is held, waiting for a probe slot. */
export interface DueJob {
  server: ServerConfig;
  slot: number;
  pollId: string;
  /** When the slot began (ms): lag is measured from here. */
  dueAt: number;
}

/**
 * Due polls in two lanes, first come first served within each. Servers whose last poll failed
 * (down, hanging, hostile) wait in the probation lane, which may hold at most `probationShare`
 * of the probe slots: ten servers that never answer cannot take every slot from a healthy one.
 * At most one job per server is queued; a newer slot replaces an older one (which is late).
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
    (onProbation ? this.probation : this.healthy).push(job);
    return replaced;
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
