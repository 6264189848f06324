import type { DeliveryOutcome } from '@driftwatch/core';
import { oneLine, redact } from './text.js';

/** Longest Retry-After we pass on: a receiver asking for a day should not park a page for a day. */
export const MAX_RETRY_AFTER_MS = 3600_000;
const MAX_DETAIL = 200;

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3),
 * bounded to [0, 1 h]; undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (!Number.isFinite(at) || !/[A-Za-z]/.test(text)) return undefined;
    ms = at - now.getTime();
  }
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  /** Bounded body text. */
  body: string;
}

/**
 * The common classification (Alertmanager's notifiers return `(retry, err)` the same way): 2xx
 * success; 408, 429 and 5xx retryable (with Retry-After when given); a 3xx is never followed and
 * is permanent (it would lead elsewhere with our secret); every other 4xx permanent. Receivers
 * with stricter success rules (PagerDuty's 202) check before calling this.
 */
export function classifyHttp(label: string, answer: HttpAnswer, now: Date, secrets: readonly string[], detail?: string): DeliveryOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return detail === undefined ? { ok: true } : { ok: true, detail };
  const reason = answerReason(label, answer, secrets);
  if (status >= 300 && status < 400) return { ok: false, retryable: false, reason: `${reason}; redirects are never followed` };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterMs(answer.headers.get('retry-after'), now);
    return after === undefined ? { ok: false, retryable: true, reason } : { ok: false, retryable: true, reason, retryAfterMs: after };
  }
  return { ok: false, retryable: false, reason };
}

/** `slack receiver ops answered HTTP 404: channel_not_found` — bounded, visible, secrets removed. */
export function answerReason(label: string, answer: HttpAnswer, secrets: readonly string[]): string {
  const body = oneLine(redact(answer.body, secrets), MAX_DETAIL);
  return body ? `${label} answered HTTP ${answer.status}: ${body}` : `${label} answered HTTP ${answer.status}`;
}
