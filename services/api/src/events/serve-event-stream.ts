import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { DriftEventType, EventBatch, StatePort } from '@driftwatch/store';
import { controlFrame, eventFrame, heartbeatFrame, retryFrame } from './sse-frame.js';
import { defaultStreamLimiter, type StreamLimiter } from './stream-limiter.js';

export const DEFAULT_POLL_MS = 500;
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** A client whose unsent bytes pass this is dropped: a slow reader must not grow our memory. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** A client that has not drained its socket for this long is dropped (it holds a slot). */
export const DEFAULT_STALL_MS = 30_000;
const BATCH = 200;
/** Longest Last-Event-ID looked at; anything longer is not one of ours. */
const MAX_LAST_EVENT_ID = 64;

export interface EventStreamOptions {
  store: Pick<StatePort, 'readEvents' | 'subscribeEvents'>;
  /** The Last-Event-ID request header (or an equivalent query parameter), as received. */
  lastEventId?: string | undefined;
  /** Ends the stream (server shutdown). */
  signal: AbortSignal;
  logger: Logger;
  /** How often the store is read for new events. Default 500 ms. */
  pollMs?: number;
  /** How often a comment line is sent on an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /** Only these event types are sent (all when omitted). */
  types?: readonly DriftEventType[] | undefined;
  /** Bounds concurrent streams; default: one limiter shared by the process. */
  limiter?: StreamLimiter;
  maxBufferedBytes?: number;
  stallMs?: number;
}

type Outcome = 'client_closed' | 'aborted' | 'slow_client' | 'stalled';

/**
 * GET /v1/events: the live event log as Server-Sent Events. Called after authentication, with
 * the raw request and response (Fastify: after `reply.hijack()`). Resolves when the stream is over.
 *
 * Frames: `ready` (id = current position) when the client gives no Last-Event-ID; otherwise the
 * events after it, or `reset` (id = current position, data.reason) when it cannot be resumed from
 * — the client missed events and should reload what it shows. Then every event as it is recorded
 * (`id`, `event` = alert | action | status | incident, `data` = the event as JSON), and heartbeats
 * (a comment and the current position as a bare `id`).
 * Answers 503 when the limiter is full. Drops a client that does not keep up.
 */
export async function serveEventStream(req: IncomingMessage, res: ServerResponse, options: EventStreamOptions): Promise<void> {
  const { store, signal } = options;
  const limiter = options.limiter ?? defaultStreamLimiter;
  const pollMs = positive('pollMs', options.pollMs, DEFAULT_POLL_MS);
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS);
  const maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES);
  const stallMs = positive('stallMs', options.stallMs, DEFAULT_STALL_MS);
  const wanted = options.types && options.types.length ? new Set<string>(options.types) : null;
  const log = options.logger.child({ component: 'event-stream' });

  const release = limiter.tryAcquire();
  if (!release) {
    log.warn({ max: limiter.max }, 'event stream refused: all slots taken');
    const body = JSON.stringify({ error: { code: 'too_many_streams', message: 'too many event streams are open; retry later' } });
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }

  let outcome: Outcome | null = null;
  let wake: (() => void) | null = null;
  const stop = (why: Outcome): void => {
    outcome ??= why;
    wake?.();
  };
  const onClose = () => stop('client_closed');
  const onAbort = () => stop('aborted');
  res.on('close', onClose);
  req.on('close', onClose);
  signal.addEventListener('abort', onAbort);
  const unsubscribe = store.subscribeEvents?.(() => wake?.());
  let heartbeat: NodeJS.Timeout | undefined;

  /** Writes a frame; drops the client when its unsent bytes pass the bound. */
  const send = (frame: string): void => {
    if (outcome) return;
    res.write(frame);
    if (res.writableLength > maxBuffered) stop('slow_client');
  };

  /** Sleeps until the next poll, an event from this process, or the end of the stream. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  /** Waits for the socket to drain; false when it did not within stallMs (or the stream ended). */
  const drained = (): Promise<boolean> =>
    new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        wake = null;
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const timer = setTimeout(() => finish(false), stallMs);
      res.once('drain', onDrain);
      wake = () => finish(false);
    });

  let sent = 0;
  try {
    if (signal.aborted) stop('aborted');
    if (req.destroyed || res.destroyed) stop('client_closed');
    if (outcome) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    send(retryFrame(2_000));

    const given = options.lastEventId?.trim();
    let cursor: string;
    if (given) {
      const first = await store.readEvents(given.length <= MAX_LAST_EVENT_ID ? given : 'invalid', BATCH);
      cursor = deliver(first);
    } else {
      cursor = (await store.readEvents(null, 0)).next;
      send(controlFrame('ready', cursor, { id: cursor }));
    }
    heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) send(heartbeatFrame(cursor));
    }, heartbeatMs);

    let failures = 0;
    let full = false;
    while (!outcome) {
      if (res.writableNeedDrain && !(await drained())) {
        stop('stalled');
        break;
      }
      if (!full) await pause(pollMs);
      if (outcome) break;
      try {
        const batch = await store.readEvents(cursor, BATCH);
        cursor = deliver(batch);
        full = batch.events.length === BATCH;
        failures = 0;
      } catch (err) {
        // The store is unreachable: keep the stream and try again at the next poll.
        full = false;
        if (failures++ % 20 === 0) log.warn({ err: (err as Error).message }, 'reading events failed; retrying');
      }
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'event stream failed');
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe?.();
    signal.removeEventListener('abort', onAbort);
    res.off('close', onClose);
    req.off('close', onClose);
    release();
    if (outcome === 'slow_client' || outcome === 'stalled') {
      log.warn({ outcome, buffered: res.writableLength, sent }, 'dropping an event stream client that does not keep up');
      res.destroy();
    } else if (!res.destroyed) {
      res.end();
    }
    log.debug({ outcome, sent }, 'event stream ended');
  }

  /** Sends a batch (or its reset) and returns the position to read after next. */
  function deliver(batch: EventBatch): string {
    if (batch.reset) {
      send(controlFrame('reset', batch.next, { reason: batch.reset, id: batch.next }));
      return batch.next;
    }
    for (const event of batch.events) {
      if (wanted && !wanted.has(event.type)) continue;
      send(eventFrame(event));
      sent++;
    }
    return batch.next;
  }
}

function positive(name: string, value: number | undefined, dflt: number): number {
  const v = value ?? dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  return v;
}
