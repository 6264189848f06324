import type { DeliveryOutcome, Notification, Receiver, WebhookReceiverConfig } from '@driftwatch/core';
import { alertDetails, alertsBySeverity, fitToBytes, type Budget } from './alerts.js';
import type { ReceiverDeps } from './deps.js';
import { postOnce } from './http.js';
import { classifyHttp } from './outcome.js';
import { IDEMPOTENCY_HEADER, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature.js';

/**
 * A generic signed webhook: the Notification as JSON (`version: 1`), its alerts bounded so the
 * body stays within WEBHOOK_MAX_BODY_BYTES, signed with HMAC-SHA256 over `${timestamp}.${body}`
 * (see webhook-signature.ts for the headers and the verification recipe). The idempotency key
 * is the same on every retry of one delivery, so the receiving side can drop repeats.
 *
 * Outcomes: 2xx success; 408, 429 and 5xx retryable (Retry-After honoured); 3xx and every other
 * 4xx permanent.
 */

export const WEBHOOK_MAX_BODY_BYTES = 256 * 1024;

export function webhookBody(n: Notification): Record<string, unknown> {
  const alerts = alertsBySeverity(n.incident);
  const build = (budget: Budget): Record<string, unknown> => {
    const kept = alerts.slice(0, budget.maxAlerts);
    return {
      version: 1,
      type: 'driftwatch.incident',
      transition: n.transition,
      idempotencyKey: n.idempotencyKey,
      time: n.time,
      links: n.links,
      incident: {
        ...n.incident,
        alerts: kept.map((a) => alertDetails(a, budget)),
        ...(kept.length < alerts.length ? { alertsOmitted: alerts.length - kept.length } : {}),
      },
    };
  };
  return fitToBytes(build, WEBHOOK_MAX_BODY_BYTES).value;
}

export function createWebhookReceiver(name: string, config: WebhookReceiverConfig, deps: ReceiverDeps): Receiver {
  const label = `webhook receiver ${name}`;
  const secrets = [config.secret, ...Object.values(config.headers)];
  return {
    name,
    kind: 'webhook',
    async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
      const body = JSON.stringify(webhookBody(n));
      const timestamp = Math.floor(deps.now().getTime() / 1000);
      const result = await postOnce({
        label,
        url: config.url,
        headers: {
          ...config.headers,
          'content-type': 'application/json',
          'user-agent': 'Driftwatch-Webhook/1',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body),
          [IDEMPOTENCY_HEADER]: n.idempotencyKey,
          'x-driftwatch-event': n.transition,
        },
        body,
        timeoutMs: config.timeout,
        signal,
        allowPrivateNetwork: config.allowPrivateNetwork,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const outcome: DeliveryOutcome =
        result.kind === 'failed' ? { ok: false, retryable: result.retryable, reason: result.reason } : classifyHttp(label, result.answer, deps.now(), secrets, `HTTP ${result.answer.status}`);
      deps.logger.debug({ receiver: name, incidentId: n.incident.id, transition: n.transition, ok: outcome.ok }, 'webhook delivery');
      return outcome;
    },
  };
}
