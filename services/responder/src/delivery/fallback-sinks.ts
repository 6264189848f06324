import type { Logger } from 'pino';
import type { DeliveryOutcome, Notification } from '@driftwatch/core';
import type { Sink } from './sink.js';

export const LOG_SINK = 'log';
export const LEGACY_WEBHOOK_SINK = 'pager-webhook';
/** The legacy webhook's own deadline per call (it has no config of its own). */
const LEGACY_TIMEOUT_MS = 10_000;

/**
 * No receivers configured: one structured warn line per incident transition (not per alert),
 * which log-based alerting and humans tailing logs can key on.
 */
export function createLogSink(logger: Logger): Sink {
  return {
    name: LOG_SINK,
    async deliver(n) {
      const i = n.incident;
      logger.warn(
        { page: true, transition: n.transition, incidentId: i.id, serverId: i.serverId, severity: i.severity, alerts: i.alerts.length, quarantined: i.quarantined, idempotencyKey: n.idempotencyKey },
        `${n.transition}: ${i.title}`,
      );
      return { ok: true };
    },
  };
}

/** Retry-After in seconds or an HTTP date, as milliseconds from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** 2xx accepted; 408, 429 and 5xx retried; any other status is permanent. */
export function classifyHttpStatus(status: number, retryAfter?: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return { ok: true, detail: `HTTP ${status}` };
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, retryable, reason: `HTTP ${status}`, ...(retryable && retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
}

/** A network failure, named by its code only (never the URL: it may carry a token). */
export function networkFailure(err: unknown, signal: AbortSignal): DeliveryOutcome {
  if (signal.aborted) return { ok: false, retryable: true, reason: 'timed out' };
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'error';
  return { ok: false, retryable: true, reason: `network error (${code})` };
}

/**
 * `DRIFTWATCH_PAGER_WEBHOOK`, kept working: an unsigned JSON POST per incident transition (it was
 * one per alert). The body keeps `summary` and `severity` at the top, as before, and adds the
 * transition, the incident and the idempotency key (also in the `Idempotency-Key` header).
 * Configure a signed `webhook` receiver instead for anything new.
 */
export function createLegacyWebhookSink(url: string, logger: Logger): Sink {
  return {
    name: LEGACY_WEBHOOK_SINK,
    async deliver(n: Notification, outer: AbortSignal) {
      const signal = AbortSignal.any([outer, AbortSignal.timeout(LEGACY_TIMEOUT_MS)]);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': n.idempotencyKey },
          body: JSON.stringify({ summary: n.incident.title, severity: n.incident.severity, transition: n.transition, idempotencyKey: n.idempotencyKey, time: n.time, incident: n.incident, links: n.links }),
          signal,
          redirect: 'error',
        });
      } catch (err) {
        return networkFailure(err, signal);
      }
      await res.body?.cancel().catch(() => undefined);
      const outcome = classifyHttpStatus(res.status, retryAfterMs(res.headers.get('retry-after')));
      if (outcome.ok) logger.info({ incidentId: n.incident.id, transition: n.transition }, 'pager webhook accepted');
      return outcome;
    },
  };
}
