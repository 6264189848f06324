import type { Logger } from 'pino';

export interface Maintenance {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every intervalMs (0: never) on an unref'd timer, never two runs at once. Each run
 * must be bounded (the stores prune at most a fixed number of entries per run); a failed run is
 * logged and the next one tries again.
 */
export function startMaintenance(work: () => Promise<unknown>, intervalMs: number, log: Logger): Maintenance {
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    running = work()
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'store maintenance failed; will retry'))
      .finally(() => (running = null));
  };
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : null;
  timer?.unref();
  return {
    async stop() {
      if (timer) clearInterval(timer);
      while (running) await running;
    },
  };
}
