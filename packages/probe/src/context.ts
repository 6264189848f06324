import { setMaxListeners } from 'node:events';
import { createScrubber, LIMITS, type ProbeFailureCode, type Scrubber } from '@driftwatch/core';
import { boundReason, excerpt, type Failure } from './failure.js';

/** Keeps the last `max` bytes written to it (a server's stderr), and counts them all. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Every byte ever pushed, kept or not. */
  total = 0;
  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
    if (this.size > this.max) {
      const only = this.chunks[0]!;
      this.chunks = [only.subarray(only.length - this.max)];
      this.size = this.max;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Stdio lines that were not JSON-RPC before we gave up on the server. */
export const MAX_BAD_LINES = 16;

/** Messages a server may send unasked in one probe before the rest are dropped unread. */
export const MAX_UNSOLICITED = 256;

/**
 * Everything one probe shares: its deadline, its abort signal, the first failure (first wins),
 * the byte budget and what we learned about a misbehaving server along the way.
 */
export class ProbeContext {
  readonly started = performance.now();
  readonly signal: AbortSignal;
  /** Resolves with the first failure raised out of band (deadline, abort, transport limits). */
  readonly failed: Promise<Failure>;
  failure: Failure | undefined;

  readonly stderr = new TailBuffer(4096);
  badLines = 0;
  /** Notifications and requests the server sent unasked (see noteUnsolicited). */
  unsolicited = 0;
  badLineSample: string | undefined;
  /** " (exited with code 1)" once a stdio server died, for reason strings. */
  exitNote: string | undefined;
  /** Set once the initialize handshake finished. */
  handshakeDone = false;
  /** Set when the probe produced an observation, before disposal: a kept stdio session may then be kept. */
  succeeded = false;
  /** Last network-level error (code from `cause`), for classifying fetch failures. */
  networkError: { code?: string; message: string } | undefined;
  /** Status of the first POST we sent over Streamable HTTP (the initialize request). */
  firstPostStatus: number | undefined;
  /** Masks the server's configured secrets (any form) in every reason and logged text. */
  readonly scrubber: Scrubber;

  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private resolveFailed!: (f: Failure) => void;
  private bytesIn = 0;
  private readonly disposers: Array<() => Promise<void> | void> = [];
  private readonly detachExternal: (() => void) | undefined;

  constructor(
    readonly timeoutMs: number,
    readonly maxResponseBytes: number,
    secrets: Scrubber | readonly string[],
    external?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    // Transports and running requests listen on this signal (each SDK request through its own
    // scoped signal, see request()); a probe is bounded (pages × lists), so allow that many.
    setMaxListeners(LIMITS.maxPages * 4 + 64, this.signal);
    // A plain list (tests, callers without a config entry) is taken as secrets of unknown origin.
    this.scrubber = Array.isArray(secrets)
      ? createScrubber((secrets as readonly string[]).map((value) => ({ value, source: 'config' })))
      : (secrets as Scrubber);
    this.failed = new Promise((resolve) => (this.resolveFailed = resolve));
    this.timer = setTimeout(() => this.onDeadline(), Math.max(0, timeoutMs));
    if (external) {
      const onAbort = (): void => this.fail('internal', 'probe aborted');
      if (external.aborted) queueMicrotask(onAbort);
      else external.addEventListener('abort', onAbort, { once: true });
      this.detachExternal = () => external.removeEventListener('abort', onAbort);
    }
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  remainingMs(): number {
    return Math.max(1, this.timeoutMs - this.elapsed());
  }

  /** Records the first failure and aborts everything in flight. Later calls are ignored. */
  fail(code: ProbeFailureCode, reason: string): void {
    if (this.failure) return;
    this.failure = { code, reason: this.scrub(reason) };
    clearTimeout(this.timer);
    this.controller.abort(new Error(this.failure.reason));
    this.resolveFailed(this.failure);
  }

  /** Counts bytes received; over the whole-probe budget the probe fails as `too_large`. */
  countBytes(n: number): boolean {
    this.bytesIn += n;
    const budget = this.maxResponseBytes * 4;
    if (this.bytesIn > budget) {
      this.fail('too_large', `server sent more than ${budget} bytes in one probe`);
      return false;
    }
    return true;
  }

  /**
   * Counts one message the server sent unasked; true when it is past MAX_UNSOLICITED and should
   * be dropped unread.
   */
  noteUnsolicited(): boolean {
    this.unsolicited += 1;
    return this.unsolicited > MAX_UNSOLICITED;
  }

  noteBadLine(line: string): void {
    this.badLines += 1;
    // Scrubbed before it is cut, so a cut cannot split a secret into a piece that no longer matches.
    this.badLineSample ??= excerpt(this.scrubber.scrub(line.slice(0, 64 * 1024)), 120);
    if (this.badLines > MAX_BAD_LINES) {
      this.fail('protocol_error', `server wrote ${this.badLines} lines to stdout that are not JSON-RPC, e.g. "${this.badLineSample}"`);
    }
  }

  /**
   * What a reason may say about stderr: how much there was, in our words. The text itself is the
   * server's and may carry anything it was given (its env, our headers); it never reaches a
   * reason, an alert or a log line above `debug` (see stderrForDebug).
   */
  stderrNote(): string {
    const n = this.stderr.total;
    return n > 0 ? `; it wrote ${n} byte${n === 1 ? '' : 's'} to stderr` : '';
  }

  /** The last ~300 characters of stderr, secrets masked, for a `debug` log line only. */
  stderrForDebug(max = 300): string | undefined {
    const text = this.scrubber.scrub(this.stderr.text()).trim();
    if (!text) return undefined;
    return excerpt(text.length > max ? text.slice(text.length - max) : text, max);
  }

  /**
   * Options for one SDK request: a signal that follows the probe's only while the request runs.
   * The SDK never removes the abort listener it adds to a request's signal, so with the probe's
   * own signal every finished request would be "cancelled" when the probe settles: a
   * notifications/cancelled sent (a fetch started and aborted, with its errors) per request.
   */
  async request<T>(fn: (options: { signal: AbortSignal; timeout: number }) => Promise<T>): Promise<T> {
    const scoped = new AbortController();
    const follow = (): void => scoped.abort(this.signal.reason);
    if (this.signal.aborted) follow();
    else this.signal.addEventListener('abort', follow, { once: true });
    try {
      return await fn({ signal: scoped.signal, timeout: this.remainingMs() });
    } finally {
      this.signal.removeEventListener('abort', follow);
    }
  }

  onDispose(fn: () => Promise<void> | void): void {
    this.disposers.push(fn);
  }

  /** Runs every disposer (latest first), bounded so a stuck close cannot hold the probe. */
  async dispose(boundMs: number): Promise<void> {
    clearTimeout(this.timer);
    this.detachExternal?.();
    if (!this.signal.aborted) this.controller.abort(new Error('probe finished'));
    const all = Promise.allSettled(this.disposers.reverse().map(async (fn) => fn()));
    let t: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (t = setTimeout(r, boundMs)))]);
    clearTimeout(t);
  }

  /** Masks configured secrets (every recognised form) in text that may be shown to people, bounded. */
  scrub(text: string): string {
    return boundReason(this.scrubber.scrub(text));
  }

  private onDeadline(): void {
    const pre = this.handshakeDone ? '' : ' before the handshake finished';
    if (this.badLines > 0 && !this.handshakeDone) {
      this.fail(
        'protocol_error',
        `no valid answer within ${this.timeoutMs} ms; server wrote ${this.badLines} non-JSON-RPC line(s) to stdout, e.g. "${this.badLineSample}"`,
      );
      return;
    }
    this.fail('timeout', `no answer within ${this.timeoutMs} ms${pre}${this.stderrNote()}`);
  }
}
