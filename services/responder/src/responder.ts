import type { Logger } from 'pino';
import { Alert, decideResponse, makeAction, staticCatalog, TOPICS, type CatalogReader, type DriftwatchConfig, type ResponsePolicy } from '@driftwatch/core';
import type { BusMessage, BusPort, Subscription } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { onceAndAnnounce } from './announce.js';

const DONE_TTL_MS = 30 * 24 * 3600 * 1000;
const GAUGE_REFRESH_MS = 15_000;
import type { Pager } from './pager.js';

export interface ResponderOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  pager: Pager;
  groupId?: string;
  now?: () => Date;
  /** The living catalog; default: the config's servers, fixed. */
  catalog?: CatalogReader;
}

export interface Responder {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
}

/** consume alerts → record lifecycle → policy → quarantine / page, each idempotent and announced. */
export function createResponder(options: ResponderOptions): Responder {
  const { config, bus, store, logger, metrics, pager } = options;
  const now = options.now ?? (() => new Date());
  const policy: ResponsePolicy = { quarantineAt: config.quarantineAt, pageAt: config.quarantineAt };
  const catalog = options.catalog ?? staticCatalog(config.servers);
  let subscription: Subscription | undefined;
  let gaugeTimer: NodeJS.Timeout | undefined;

  async function record(alert: Alert): Promise<void> {
    const at = now().toISOString();
    if (alert.action === 'resolve') {
      const open = await store.getOpenAlertByDedupKey(alert.dedupKey);
      if (open) await store.putAlert({ ...open, status: 'resolved', resolvedAt: at, resolvedBy: 'differ', lastSeen: at });
      return;
    }
    const previous = await store.getOpenAlertByDedupKey(alert.dedupKey);
    const inserted = await store.insertAlert({ alert, status: 'open', firstSeen: at, lastSeen: at });
    if (inserted && previous && previous.alert.id !== alert.id) {
      // A newer change under the same key supersedes the older alert.
      await store.putAlert({ ...previous, status: 'resolved', resolvedAt: at, resolvedBy: `superseded by ${alert.id}`, lastSeen: at });
    }
  }

  async function handle({ value: alert }: BusMessage<Alert>): Promise<void> {
    // The store is written before the catalog topic: ask it about a server this view has not seen yet.
    if (!catalog.has(alert.serverId) && !(await store.getCatalogEntry(alert.serverId))) {
      // Another deployment's (or a removed server's) alert: acting on it would quarantine a stranger.
      logger.warn({ serverId: alert.serverId, alertId: alert.id }, 'alert for a server not in the catalog; ignored');
      return;
    }
    await record(alert);
    const decision = decideResponse(alert, policy);
    const time = now().toISOString();
    const deps = { bus, store };

    if (decision.quarantine) await quarantineFor(alert, time);
    if (decision.page) {
      const action = makeAction({ serverId: alert.serverId, action: 'page', actor: 'policy', reason: alert.summary, alertId: alert.id, time }, [alert.id]);
      if (await onceAndAnnounce(deps, action, () => pager.page(alert))) metrics.actionsTotal.inc({ action: 'page' });
    }
  }

  /**
   * Quarantine once per alert. A done-marker written after the effect means a redelivered alert
   * never quarantines again, even after a human released the server in between; a crash before
   * the marker repeats the (idempotent) quarantine and re-announces it under the same action id.
   */
  async function quarantineFor(alert: Alert, time: string): Promise<void> {
    const doneKey = `done:quarantine:${alert.id}`;
    if (await store.isClaimed(doneKey)) return;
    const created = await store.quarantine(alert.serverId, { reason: alert.summary, alertId: alert.id, actor: 'policy', at: time });
    const current = created ? null : await store.getQuarantine(alert.serverId);
    // Announce only a quarantine this alert caused (the server may already be quarantined by another).
    if (created || current?.alertId === alert.id) {
      const action = makeAction(
        { serverId: alert.serverId, action: 'quarantine', actor: 'policy', reason: alert.summary, alertId: alert.id, time, details: { kind: alert.kind, severity: alert.severity, quarantineAt: policy.quarantineAt } },
        [alert.id],
      );
      await bus.publish(TOPICS.actions, alert.serverId, action);
      await store.appendAudit(action);
      metrics.actionsTotal.inc({ action: 'quarantine' });
      logger.warn({ serverId: alert.serverId, alertId: alert.id, kind: alert.kind }, 'server quarantined');
    }
    await store.claimOnce(doneKey, DONE_TTL_MS);
    metrics.quarantinedServers.set(await store.countQuarantined());
  }

  return {
    async start() {
      metrics.quarantinedServers.set(await store.countQuarantined());
      subscription = await bus.subscribe({
        groupId: options.groupId ?? 'driftwatch-responder',
        topic: TOPICS.alerts,
        decode: (v) => Alert.parse(v),
        handler: handle,
      });
      // Releases happen in the api (another process in production): refresh the gauge from the store.
      gaugeTimer = setInterval(() => {
        store.countQuarantined().then((n) => metrics.quarantinedServers.set(n), () => undefined);
      }, GAUGE_REFRESH_MS);
      gaugeTimer.unref();
      logger.info({ quarantineAt: policy.quarantineAt }, 'responder started');
    },
    async close() {
      clearInterval(gaugeTimer);
      await subscription?.close();
      subscription = undefined;
      logger.info('responder stopped');
    },
    isReady() {
      return subscription !== undefined;
    },
  };
}
