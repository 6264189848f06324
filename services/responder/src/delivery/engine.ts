import type { Logger } from 'pino';
import { deliveryIsOpen, makeAction, TOPICS, type DeliveryOutcome, type DeliveryRecord } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { backoffMs } from './backoff.js';
import type { Sink } from './sink.js';

export interface DeliveryEngineOptions {
  store: StatePort;
  bus: BusPort;
  sinks: ReadonlyMap<string, Sink>;
  logger: Logger;
  metrics: DriftwatchMetrics;
  /** Owner name for the per-delivery lease (replicas never send one delivery at the same time). */
  instanceId: string;
  /** Deliveries in flight at once, across receivers. Default 4. */
  concurrency?: number;
  /** Attempts before a delivery is marked failed. Default 10. */
  maxAttempts?: number;
  /** A delivery still failing this long after its transition is marked failed. Default 24 h. */
  maxAgeMs?: number;
  /** Backoff before the 2nd attempt; doubles per attempt (with jitter). Default 1 s. */
  baseBackoffMs?: number;
  /** Default 5 min. */
  maxBackoffMs?: number;
  /**
   * Outer bound on one attempt. Receivers keep their own (configured) deadline, at most 120 s,
   * and honour the signal; this also ends a call that ignores it. Default 125 s.
   */
  timeoutMs?: number;
  /**
   * How long close() lets calls already on the wire finish before cutting them off. Default 5 s
   * (within the process's 25 s shutdown budget; a receiver answers in well under a second).
   */
  drainMs?: number;
  /** How often the store is scanned for due deliveries besides wake(). Default 2 s. */
  scanMs?: number;
  /** Open deliveries read per scan. Default 1000. */
  scanLimit?: number;
  random?: () => number;
  now?: () => Date;
}

export interface DeliveryEngine {
  start(): Promise<void>;
  /** New deliveries were created: look now. Never waits for anything. */
  wake(): void;
  /** Resolves when nothing is in flight and nothing is due (for tests and shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function positive(name: string, value: number | undefined, dflt: number, min = 1): number {
  const v = value ?? dflt;
  if (!Number.isFinite(v) || v < min) throw new RangeError(`delivery engine: ${name} must be ≥ ${min} (got ${value})`);
  return v;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** One call, ended at `timeoutMs` (or at shutdown) whether or not the receiver honours its signal. */
async function deliverBounded(sink: Sink, d: DeliveryRecord, timeoutMs: number, shutdown: AbortSignal): Promise<DeliveryOutcome> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onShutdown: (() => void) | undefined;
  const deadline = new Promise<DeliveryOutcome>((resolve) => {
    const end = (reason: string) => {
      abort.abort();
      resolve({ ok: false, retryable: true, reason });
    };
    timer = setTimeout(() => end(`no answer within ${timeoutMs} ms`), timeoutMs);
    onShutdown = () => end('shutting down before an answer');
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener('abort', onShutdown, { once: true });
  });
  try {
    return await Promise.race([sink.deliver(d.notification, abort.signal), deadline]);
  } catch (err) {
    // A receiver is meant to classify its failures; one that throws is treated as transient.
    return { ok: false, retryable: true, reason: `receiver threw: ${errorText(err)}` };
  } finally {
    clearTimeout(timer);
    if (onShutdown) shutdown.removeEventListener('abort', onShutdown);
  }
}

/**
 * At-least-once delivery of what the incident engine decided (DESIGN.md, "Incidents").
 *
 * Each delivery record (one transition to one receiver, keyed by its idempotency key) exists in
 * the store before anything is sent. An attempt is recorded before the call (so attempts count
 * across restarts) and its outcome right after the receiver answered: the only window in which a
 * crash repeats a delivery is between the receiver's answer and that one write, and the repeat
 * carries the same idempotency key (PagerDuty's dedup_key, the webhook's Idempotency-Key) so the
 * receiver can drop it. Deliveries of one incident to one receiver go out in order (a resolve
 * never overtakes its trigger). Everything runs off the alert consumer: a receiver that hangs or
 * fails holds one of `concurrency` slots for at most `timeoutMs`, never an alert or a quarantine.
 */
export function createDeliveryEngine(options: DeliveryEngineOptions): DeliveryEngine {
  const { store, bus, sinks, logger, metrics, instanceId } = options;
  const concurrency = positive('concurrency', options.concurrency, 4);
  const maxAttempts = positive('maxAttempts', options.maxAttempts, 10);
  const maxAgeMs = positive('maxAgeMs', options.maxAgeMs, 24 * 3600 * 1000);
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 125_000);
  const drainMs = positive('drainMs', options.drainMs, 5_000, 0);
  const scanMs = positive('scanMs', options.scanMs, 2_000);
  const scanLimit = positive('scanLimit', options.scanLimit, 1000);
  const backoff = {
    baseMs: positive('baseBackoffMs', options.baseBackoffMs, 1_000),
    maxMs: positive('maxBackoffMs', options.maxBackoffMs, 5 * 60_000),
    maxRetryAfterMs: 3600_000,
  };
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());

  const inFlight = new Map<string, Promise<void>>();
  let scanning: Promise<void> | null = null;
  let rescan = false;
  let timer: NodeJS.Timeout | undefined;
  let interval: NodeJS.Timeout | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Ends in-flight calls at close (after the drain): what they leave behind is retried after the restart. */
  const shutdown = new AbortController();
  let nextDueAt = Number.POSITIVE_INFINITY;

  function armTimer(at: number): void {
    if (closed || !Number.isFinite(at)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void scan(), Math.max(0, at - Date.now()));
    timer.unref();
  }

  function scan(): Promise<void> {
    if (closed) return Promise.resolve();
    if (scanning) {
      rescan = true;
      return scanning;
    }
    scanning = (async () => {
      try {
        do {
          rescan = false;
          await scanOnce();
        } while (rescan && !closed);
      } catch (err) {
        logger.error({ err: errorText(err) }, 'delivery scan failed; will retry');
      } finally {
        scanning = null;
      }
    })();
    return scanning;
  }

  async function scanOnce(): Promise<void> {
    const open = await store.listOpenDeliveries(scanLimit);
    const lanes = new Map<string, DeliveryRecord>();
    for (const d of open) {
      const lane = `${d.incidentId}\u0000${d.receiver}`;
      const head = lanes.get(lane);
      if (!head || d.seq < head.seq) lanes.set(lane, d);
    }
    const t = now().getTime();
    let soonest = Number.POSITIVE_INFINITY;
    const heads = [...lanes.values()].sort((a, b) => Date.parse(a.nextAttemptAt) - Date.parse(b.nextAttemptAt));
    for (const head of heads) {
      if (inFlight.has(head.key)) continue;
      const due = Date.parse(head.nextAttemptAt);
      if (due > t) {
        soonest = Math.min(soonest, due);
        continue;
      }
      if (inFlight.size >= concurrency) break; // a finishing attempt scans again
      dispatch(head);
    }
    nextDueAt = soonest;
    armTimer(soonest);
  }

  function dispatch(d: DeliveryRecord): void {
    const p = attempt(d)
      .catch((err) => logger.error({ key: d.key, receiver: d.receiver, err: errorText(err) }, 'delivery bookkeeping failed; will retry'))
      .finally(() => {
        inFlight.delete(d.key);
        void scan();
      });
    inFlight.set(d.key, p);
  }

  async function attempt(queued: DeliveryRecord): Promise<void> {
    if (!(await store.acquireLease(`delivery:${queued.key}`, instanceId, timeoutMs + 30_000))) return;
    const d = await store.getDelivery(queued.key);
    if (!d || !deliveryIsOpen(d)) return;
    const sink = sinks.get(d.receiver);
    const startedAt = now();
    const sending: DeliveryRecord = { ...d, status: 'sending', attempts: d.attempts + 1, lastAttemptAt: startedAt.toISOString() };
    let outcome: DeliveryOutcome;
    if (!sink) {
      outcome = { ok: false, retryable: false, reason: `receiver "${d.receiver}" is not configured` };
    } else {
      await store.putDelivery(sending);
      outcome = await deliverBounded(sink, d, timeoutMs, shutdown.signal);
    }
    const at = now();
    if (outcome.ok) {
      // The one write between "the receiver accepted" and "we know it": nothing else goes first.
      await store.putDelivery({ ...sending, status: 'delivered', deliveredAt: at.toISOString() });
      metrics.notificationsTotal.inc({ receiver: d.receiver, outcome: 'delivered' });
      metrics.notificationDeliverySeconds.observe({ receiver: d.receiver }, Math.max(0, at.getTime() - Date.parse(d.notification.time)) / 1000);
      logger.info({ incidentId: d.incidentId, receiver: d.receiver, transition: d.transition, attempts: sending.attempts }, 'notification delivered');
      await announce(sending);
      return;
    }
    const reason = outcome.reason.slice(0, 1000);
    const tooOld = at.getTime() - Date.parse(d.notification.time) >= maxAgeMs;
    if (outcome.retryable && sending.attempts < maxAttempts && !tooOld) {
      const delay = backoffMs(sending.attempts, backoff, random, outcome.retryAfterMs);
      await store.putDelivery({ ...sending, status: 'pending', nextAttemptAt: new Date(at.getTime() + delay).toISOString(), lastError: reason });
      metrics.notificationsTotal.inc({ receiver: d.receiver, outcome: 'retry' });
      logger.warn({ incidentId: d.incidentId, receiver: d.receiver, transition: d.transition, attempts: sending.attempts, retryInMs: delay, reason }, 'notification failed; will retry');
      return;
    }
    await store.putDelivery({ ...sending, status: 'failed', failedAt: at.toISOString(), lastError: reason });
    metrics.notificationsTotal.inc({ receiver: d.receiver, outcome: 'failed' });
    logger.error(
      { incidentId: d.incidentId, receiver: d.receiver, transition: d.transition, attempts: sending.attempts, reason, permanent: !outcome.retryable },
      'notification failed for good',
    );
  }

  /** The audit trail records what reached whom (same action id however often it is announced). */
  async function announce(d: DeliveryRecord): Promise<void> {
    try {
      const action = makeAction(
        {
          serverId: d.serverId,
          action: 'notify',
          actor: 'policy',
          reason: `${d.transition} → ${d.receiver}: ${d.notification.incident.title}`.slice(0, 2000),
          time: now().toISOString(),
          details: { incidentId: d.incidentId, receiver: d.receiver, transition: d.transition, idempotencyKey: d.key, attempts: d.attempts },
        },
        [d.key],
      );
      await bus.publish(TOPICS.actions, d.serverId, action);
      await store.appendAudit(action);
    } catch (err) {
      logger.warn({ key: d.key, err: errorText(err) }, 'could not announce a delivered notification');
    }
  }

  return {
    async start() {
      interval = setInterval(() => void scan(), scanMs);
      interval.unref();
      await scan();
    },
    wake() {
      void scan();
    },
    async idle() {
      for (;;) {
        if (scanning) await scanning;
        if (inFlight.size) {
          await Promise.allSettled([...inFlight.values()]);
          continue;
        }
        await scan();
        if (!inFlight.size && !(nextDueAt <= now().getTime())) return;
      }
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        clearInterval(interval);
        if (scanning) await scanning;
        // Let calls already on the wire finish first (bounded). The receiver may have accepted
        // one already; cut off now, it would stay unrecorded and the next start would send it
        // again (a graceful restart showed PagerDuty two triggers). Only what is still
        // unanswered after the drain is aborted and retried after the restart.
        if (inFlight.size && drainMs > 0) {
          let drainTimer: NodeJS.Timeout | undefined;
          const drained = new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainMs)));
          await Promise.race([Promise.allSettled([...inFlight.values()]), drained]);
          clearTimeout(drainTimer);
        }
        shutdown.abort();
        await Promise.allSettled([...inFlight.values()]);
      })();
      return closing;
    },
  };
}
