import type { Logger } from 'pino';
import type { Alert } from '@driftwatch/core';

/** Where pages go. Implementations must be bounded in time; a throw lets the responder retry. */
export interface Pager {
  page(alert: Alert): Promise<void>;
}

/** The default: a structured warn line that log-based alerting (and humans tailing logs) can key on. */
export function createLogPager(logger: Logger): Pager {
  return {
    async page(alert) {
      logger.warn({ page: true, alertId: alert.id, serverId: alert.serverId, kind: alert.kind, severity: alert.severity }, alert.summary);
    },
  };
}

/** POSTs the alert as JSON to an on-call webhook (PagerDuty/Opsgenie bridges, Slack …). */
export function createWebhookPager(url: string, logger: Logger, timeoutMs = 5_000): Pager {
  return {
    async page(alert) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ summary: alert.summary, severity: alert.severity, alert }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`pager webhook answered ${res.status}`);
      logger.info({ alertId: alert.id }, 'page sent');
    },
  };
}
