// Handler retries with exponential backoff, abortable when the consumer is closing.

export interface RetryOptions {
  /** Total attempts (at least 1). */
  attempts: number;
  /** Delay before the 2nd attempt; doubles each time, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs?: number;
  /** Aborting stops between attempts (never interrupts a running attempt). */
  signal?: AbortSignal;
  /** Called between attempts, e.g. to keep a Kafka group session alive. */
  between?: (attempt: number, error: unknown) => Promise<void> | void;
}

export type RetryOutcome =
  | { status: 'ok'; attempts: number }
  | { status: 'failed'; attempts: number; error: unknown }
  | { status: 'aborted'; attempts: number; error: unknown };

export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function withRetries(fn: () => Promise<void>, options: RetryOptions): Promise<RetryOutcome> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await fn();
      return { status: 'ok', attempts: attempt };
    } catch (error) {
      lastError = error;
    }
    if (attempt === attempts) break;
    if (options.signal?.aborted) return { status: 'aborted', attempts: attempt, error: lastError };
    await options.between?.(attempt, lastError);
    await sleep(backoffDelay(attempt, options.backoffMs, maxBackoff), options.signal);
    if (options.signal?.aborted) return { status: 'aborted', attempts: attempt, error: lastError };
  }
  return { status: 'failed', attempts, error: lastError };
}
