import { z } from 'zod';
import type { DeliveryOutcome, IncidentView, Notification, PagerDutyReceiverConfig, Receiver, Severity } from '@driftwatch/core';
import { alertDetails, alertsBySeverity, fitToBytes, type Budget } from './alerts.js';
import type { ReceiverDeps } from './deps.js';
import { postOnce } from './http.js';
import { answerReason, classifyHttp, retryAfterMs } from './outcome.js';
import { clip, oneLine, safeJson, visible } from './text.js';

/**
 * PagerDuty Events API v2 (`POST {baseUrl}/v2/enqueue`). One incident is one PagerDuty alert:
 * `dedup_key` = the incident id, so trigger, acknowledge and resolve all land on it, and an
 * `update` is sent as a trigger under the same key (PagerDuty appends it to the open alert
 * instead of opening a second one). Acknowledge and resolve carry no payload: PagerDuty reads
 * only the key for them.
 *
 * Outcomes: 202 accepted; 400 permanent (the event is invalid and would be refused again);
 * 429 and 5xx retryable, Retry-After honoured; anything else (401/403/404, redirects)
 * permanent. The whole event stays within PagerDuty's 512 KB: custom_details shrink first.
 */

export const PD_MAX_EVENT_BYTES = 512 * 1024;
export const PD_MAX_SUMMARY = 1024;
export const PD_MAX_DEDUP_KEY = 255;
const PD_MAX_FIELD = 255;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** Driftwatch's five severities onto PagerDuty's four: high pages as `error`, low is only `info`. */
export const PD_SEVERITY: Record<Severity, PagerDutySeverity> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: Array<{ href: string; text: string }>;
}

/** The incident id is ≤ 255 by contract; a longer one would be refused by PagerDuty, so it is cut. */
export function dedupKey(incident: IncidentView): string {
  return incident.id.slice(0, PD_MAX_DEDUP_KEY);
}

export function pagerDutySummary(incident: IncidentView): string {
  const quarantined = incident.quarantined ? ' (quarantined)' : '';
  return oneLine(`[${incident.severity.toUpperCase()}] ${incident.serverId}: ${incident.title}${quarantined}`, PD_MAX_SUMMARY);
}

/** The event for a notification; trigger events are shrunk to fit PD_MAX_EVENT_BYTES. */
export function pagerDutyEvent(n: Notification, routingKey: string): PagerDutyEvent {
  const base = { routing_key: routingKey, dedup_key: dedupKey(n.incident) };
  if (n.transition === 'acknowledge' || n.transition === 'resolve') return { ...base, event_action: n.transition };
  const { incident } = n;
  const top = alertsBySeverity(incident)[0];
  const links = linksOf(n);
  const build = (budget: Budget): PagerDutyEvent => ({
    ...base,
    event_action: 'trigger',
    payload: {
      summary: pagerDutySummary(incident),
      source: clip(incident.serverId, PD_MAX_FIELD),
      severity: PD_SEVERITY[incident.severity],
      timestamp: n.time,
      component: clip(visible(top?.subject || incident.serverId), PD_MAX_FIELD),
      group: clip(visible(incident.groupKey), PD_MAX_FIELD),
      class: clip(top?.kind ?? 'incident', PD_MAX_FIELD),
      custom_details: customDetails(n, budget),
    },
    client: 'Driftwatch',
    ...(n.links.console || n.links.api ? { client_url: (n.links.console ?? n.links.api)! } : {}),
    ...(links.length > 0 ? { links } : {}),
  });
  return fitToBytes(build, PD_MAX_EVENT_BYTES).value;
}

function linksOf(n: Notification): Array<{ href: string; text: string }> {
  const out: Array<{ href: string; text: string }> = [];
  if (n.links.console) out.push({ href: n.links.console, text: 'Incident in the Driftwatch console' });
  if (n.links.api) out.push({ href: n.links.api, text: 'Incident in the Driftwatch API' });
  return out;
}

function customDetails(n: Notification, budget: Budget): Record<string, unknown> {
  const { incident } = n;
  const alerts = alertsBySeverity(incident);
  const kept = alerts.slice(0, budget.maxAlerts);
  return {
    transition: n.transition,
    incident: {
      id: incident.id,
      status: incident.status,
      severity: incident.severity,
      server: incident.serverId,
      group_key: incident.groupKey,
      title: incident.title,
      tags: incident.tags,
      opened_at: incident.openedAt,
      last_change_at: incident.lastChangeAt,
      quarantined: incident.quarantined,
      alert_count: alerts.length,
    },
    alerts: kept.map((a) => alertDetails(a, budget)),
    ...(kept.length < alerts.length ? { alerts_omitted: alerts.length - kept.length } : {}),
  };
}

/** PagerDuty's answer body (validated: it is input from outside). */
const PdAnswer = z.object({
  status: z.string().max(200).optional(),
  message: z.string().max(2000).optional(),
  dedup_key: z.string().max(1024).optional(),
  errors: z.array(z.string().max(2000)).max(50).optional(),
});

export function createPagerDutyReceiver(name: string, config: PagerDutyReceiverConfig, deps: ReceiverDeps): Receiver {
  const label = `pagerduty receiver ${name}`;
  const url = `${config.baseUrl.replace(/\/+$/, '')}/v2/enqueue`;
  const secrets = [config.routingKey];
  return {
    name,
    kind: 'pagerduty',
    async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
      const event = pagerDutyEvent(n, config.routingKey);
      const result = await postOnce({
        label,
        url,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(event),
        timeoutMs: config.timeout,
        signal,
        allowPrivateNetwork: config.allowPrivateNetwork,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const outcome = result.kind === 'failed' ? { ok: false as const, retryable: result.retryable, reason: result.reason } : classify(result.answer);
      deps.logger.debug({ receiver: name, incidentId: n.incident.id, transition: n.transition, ok: outcome.ok }, 'pagerduty delivery');
      return outcome;

      function classify(answer: Parameters<typeof classifyHttp>[1]): DeliveryOutcome {
        const now = deps.now();
        if (answer.status === 202) {
          const parsed = PdAnswer.safeParse(safeJson(answer.body));
          return { ok: true, detail: `accepted (dedup_key ${parsed.success && parsed.data.dedup_key ? parsed.data.dedup_key : dedupKey(n.incident)})` };
        }
        if (answer.status >= 200 && answer.status < 300) {
          // Only 202 means "event processed"; another 2xx is a proxy or a stand-in that did not
          // pass the event on, and sending it again would meet the same answer.
          return { ok: false, retryable: false, reason: `${answerReason(label, answer, secrets)} (expected 202)` };
        }
        if (answer.status === 400) {
          const parsed = PdAnswer.safeParse(safeJson(answer.body));
          const errors = parsed.success && parsed.data.errors?.length ? `: ${oneLine(parsed.data.errors.join('; '), 300)}` : '';
          return { ok: false, retryable: false, reason: `${label} refused the event as invalid (HTTP 400)${errors}` };
        }
        if (answer.status === 429 || answer.status >= 500) {
          const after = retryAfterMs(answer.headers.get('retry-after'), now);
          const reason = answerReason(label, answer, secrets);
          return after === undefined ? { ok: false, retryable: true, reason } : { ok: false, retryable: true, reason, retryAfterMs: after };
        }
        return classifyHttp(label, answer, now, secrets);
      }
    },
  };
}
