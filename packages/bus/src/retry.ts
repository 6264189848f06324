// Handler retries with exponential backoff, abortable when the consumer is closing.

export interface RetryOptions {
  /** Total attempts (at least 1). */
  attempts: number;
  /** Delay before the 2nd attempt; doubles each time, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs?: number;
  /** Aborting stops between attempts (never interrupts a running attempt). */
  signal?: AbortSignal;
  /**
   * Failures to hold on rather than give up on (a dependency is down): they use up no attempt and
   * are retried, without limit, until success or abort.
   */
  isHeld?: (error: unknown) => boolean;
  /** Backoff cap for held failures: short, so recovery is noticed soon after the dependency is back. */
  maxHeldBackoffMs?: number;
  /**
   * Called between attempts, e.g. to keep a Kafka group session alive. `attempt` counts every call
   * so far, held ones included; `held` says whether this failure was held.
   */
  between?: (attempt: number, error: unknown, held: boolean) => Promise<void> | void;
}

/** `attempts` counts attempts used (held failures excluded); `held` counts held failures. */
export type RetryOutcome =
  | { status: 'ok'; attempts: number; held: number }
  | { status: 'failed'; attempts: number; held: number; error: unknown }
  | { status: 'aborted'; attempts: number; held: number; error: unknown };

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
  const maxHeldBackoff = options.maxHeldBackoffMs ?? 5_000;
  let failures = 0;
  let held = 0;
  // Held failures back off on their own streak, so an outage does not inflate the ordinary backoff.
  let heldStreak = 0;
  let lastError: unknown;
  for (let call = 1; ; call++) {
    try {
      await fn();
      return { status: 'ok', attempts: failures + 1, held };
    } catch (error) {
      lastError = error;
    }
    const isHeld = options.isHeld?.(lastError) === true;
    let delay: number;
    if (isHeld) {
      held++;
      heldStreak++;
      delay = backoffDelay(heldStreak, options.backoffMs, maxHeldBackoff);
    } else {
      failures++;
      heldStreak = 0;
      if (failures >= attempts) return { status: 'failed', attempts: failures, held, error: lastError };
      delay = backoffDelay(failures, options.backoffMs, maxBackoff);
    }
    if (options.signal?.aborted) return { status: 'aborted', attempts: failures, held, error: lastError };
    await options.between?.(call, lastError, isHeld);
    await sleep(delay, options.signal);
    if (options.signal?.aborted) return { status: 'aborted', attempts: failures, held, error: lastError };
  }
}
