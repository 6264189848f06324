import { HttpError } from '@driftwatch/runtime';

/**
 * Bounds how many scrypt checks run at once and how many wait. scrypt runs on the libuv thread
 * pool, which file I/O and DNS share: unbounded, a flood of well-formed but wrong tokens (each
 * costing one scrypt that no cache can spare) would starve the store's fsyncs. Past the queue,
 * the caller gets 503 with a retry hint rather than an ever longer wait; clients whose token was
 * verified before are served from the cache and never queue here.
 */
export interface Limiter {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export function createLimiter(options: { concurrency: number; maxQueue: number }): Limiter {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${options.concurrency})`);
  if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) throw new RangeError(`maxQueue must be a whole number ≥ 0 (got ${options.maxQueue})`);
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    const next = queue.shift();
    if (next) {
      active++;
      next();
    }
  };
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= options.concurrency) {
        if (queue.length >= options.maxQueue) {
          throw new HttpError(503, 'auth_busy', 'too many credential checks in progress; retry in a second');
        }
        await new Promise<void>((resolve) => queue.push(resolve));
      } else {
        active++;
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
