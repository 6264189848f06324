export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** A receiver's Retry-After is honoured up to this. */
  maxRetryAfterMs: number;
}

/**
 * Exponential backoff with jitter for attempt `attempt` (1 = the first retry): a random point in
 * the upper half of base·2^(attempt-1), capped, so a fleet of retries does not stampede a receiver
 * that comes back. A Retry-After from the receiver is a floor.
 */
export function backoffMs(attempt: number, opts: BackoffOptions, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = exp / 2 + random() * (exp / 2);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.min(retryAfterMs, opts.maxRetryAfterMs) : 0;
  return Math.max(1, Math.round(Math.max(jittered, floor)));
}
