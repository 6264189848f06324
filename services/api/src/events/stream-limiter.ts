/** Concurrent event streams an API process serves by default (each one polls the store). */
export const DEFAULT_MAX_STREAMS = 100;

export interface StreamLimiter {
  /** A release function for a free slot, or null when all are taken. */
  tryAcquire(): (() => void) | null;
  readonly active: number;
  readonly max: number;
}

export function createStreamLimiter(max: number): StreamLimiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max streams must be a positive integer, got ${String(max)}`);
  let active = 0;
  return {
    tryAcquire() {
      if (active >= max) return null;
      active++;
      let released = false;
      // Idempotent: every exit path of a stream may call it.
      return () => {
        if (released) return;
        released = true;
        active--;
      };
    },
    get active() {
      return active;
    },
    max,
  };
}

/** Shared by every stream of this process unless one is injected. */
export const defaultStreamLimiter: StreamLimiter = createStreamLimiter(DEFAULT_MAX_STREAMS);
