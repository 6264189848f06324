import type { Logger } from 'pino';
import { z } from 'zod';
import { Alert, resolveIncidentPolicy, staticCatalog, TOPICS, type CatalogReader, type DriftwatchConfig, type Receiver } from '@driftwatch/core';
import type { BusMessage, BusPort, Subscription } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import type { StageContext } from './context.js';
import { recordAlert } from './stages/record-alert.js';
import { quarantineStage } from './stages/quarantine.js';
import { incidentStage } from './stages/incident.js';
import { createIncidentFlusher, type IncidentFlusher } from './incidents/flusher.js';
import { createDeliveryEngine, type DeliveryEngine, type DeliveryEngineOptions } from './delivery/engine.js';
import { createLegacyWebhookSink, createLogSink } from './delivery/fallback-sinks.js';
import type { Sink } from './delivery/sink.js';

const GAUGE_REFRESH_MS = 15_000;

/**
 * The little the responder reads from mcp.actions.v1. Deliberately loose: an action kind or field
 * from a newer version is ignored here, never dead-lettered (the audit trail is not ours to judge).
 */
const ActionSignal = z.object({
  action: z.string().max(64),
  serverId: z.string().max(128),
  details: z.object({ incidentId: z.string().max(255).optional() }).partial().passthrough().optional().catch(undefined),
});
type ActionSignal = z.infer<typeof ActionSignal>;

export interface ResponderOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  /**
   * The configured receivers by name (the receivers helper's `createReceivers(config.receivers,
   * deps)`). None: a log line per incident transition, or the legacy webhook below.
   */
  receivers?: ReadonlyMap<string, Receiver | Sink>;
  /** `DRIFTWATCH_PAGER_WEBHOOK`: an unsigned JSON webhook, used only when no receivers are configured. */
  pagerWebhook?: string;
  groupId?: string;
  /** Names this replica in delivery leases. Default: a random id. */
  instanceId?: string;
  now?: () => Date;
  /** Delivery tuning (tests shorten the backoff). */
  delivery?: Partial<Omit<DeliveryEngineOptions, 'store' | 'bus' | 'sinks' | 'logger' | 'metrics' | 'instanceId'>>;
  /** Incident sweep period (default 5 s) and reconcile period (default 60 s). */
  sweepMs?: number;
  reconcileMs?: number;
  /** The living catalog; default: the config's servers, fixed. */
  catalog?: CatalogReader;
  /**
   * Distributed mode: makes sure the store has not lost its state (rebuilding quarantines and the
   * catalog from Kafka if it has) before an alert is acted on. Without it, an alert handled on an
   * emptied Redis quarantined a server a second time (chaos suite: two quarantine actions for one
   * change) or was ignored as "not in the catalog".
   */
  ensureState?: () => Promise<void>;
}

export interface Responder {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
  /** Resolves once no incident evaluation or delivery is in flight or due (tests, benchmarks). */
  idle(): Promise<void>;
}

/** The receivers to deliver to: the configured ones, else the built-in fallback. */
function sinksOf(options: ResponderOptions): Map<string, Sink> {
  if (options.receivers && options.receivers.size > 0) return new Map(options.receivers);
  const fallback = options.pagerWebhook
    ? createLegacyWebhookSink(options.pagerWebhook, options.logger.child({ component: 'pager-webhook' }))
    : createLogSink(options.logger.child({ component: 'pager' }));
  return new Map([[fallback.name, fallback]]);
}

/**
 * consume alerts → record the alert → quarantine (immediate) → group into an incident → (off this
 * path) plan notifications → deliver. Each stage is idempotent, so a redelivered alert is harmless.
 */
export function createResponder(options: ResponderOptions): Responder {
  const { config, bus, store, logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const sinks = sinksOf(options);
  const policy = resolveIncidentPolicy(config, [...sinks.keys()]);
  const ctx: StageContext = { config, policy, servers: (options.catalog ?? staticCatalog(config.servers)) as StageContext['servers'], bus, store, logger, metrics, now };
  const instanceId = options.instanceId ?? `responder-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const delivery: DeliveryEngine = createDeliveryEngine({ ...options.delivery, store, bus, sinks, logger: logger.child({ component: 'delivery' }), metrics, instanceId, now });
  const flusher: IncidentFlusher = createIncidentFlusher({
    ctx,
    links: config.publicUrls ?? {},
    onDeliveries: () => delivery.wake(),
    ...(options.sweepMs !== undefined ? { sweepMs: options.sweepMs } : {}),
    ...(options.reconcileMs !== undefined ? { reconcileMs: options.reconcileMs } : {}),
  });
  for (const name of new Set([...policy.routes.flatMap((r) => r.receivers), ...policy.defaultRoute.receivers])) {
    if (!sinks.has(name)) logger.error({ receiver: name }, 'a route names a receiver that is not configured; its notifications will fail');
  }
  let alerts: Subscription | undefined;
  let actions: Subscription | undefined;
  let gaugeTimer: NodeJS.Timeout | undefined;

  async function handleAlert({ value: alert }: BusMessage<Alert>): Promise<void> {
    // One key read when the store is intact; a rebuild first when it was lost.
    await options.ensureState?.();
    // The store is written before the catalog topic: ask it about a server this view has not seen yet.
    if (!ctx.servers.has(alert.serverId) && !(await store.getCatalogEntry(alert.serverId))) {
      // Another deployment's (or a removed server's) alert: acting on it would quarantine a stranger.
      logger.warn({ serverId: alert.serverId, alertId: alert.id }, 'alert for a server not in the catalog; ignored');
      return;
    }
    await recordAlert(ctx, alert);
    const quarantine = alert.action === 'trigger' ? await quarantineStage(ctx, alert) : 'none';
    for (const id of await incidentStage(ctx, alert, quarantine)) flusher.wake(id);
  }

  /** What other processes did that changes incidents: approvals, releases, acks, resolves. */
  async function handleAction({ value: action }: BusMessage<ActionSignal>): Promise<void> {
    switch (action.action) {
      // Consent resolves drift alerts in the store: their incidents may now be resolved.
      case 'approve':
      case 'tool.approve':
      case 'tool.reject':
      case 'reject':
        await flusher.reconcile(action.serverId);
        return;
      case 'incident.ack':
      case 'incident.resolve': {
        const id = action.details?.incidentId;
        if (typeof id === 'string') flusher.wake(id);
        else await flusher.sweep();
        return;
      }
      case 'release':
      case 'silence.create':
      case 'silence.delete':
        await flusher.poke(ctx.servers.has(action.serverId) ? action.serverId : undefined);
        return;
      default:
        return;
    }
  }

  return {
    async start() {
      metrics.quarantinedServers.set(await store.countQuarantined());
      await delivery.start();
      await flusher.start();
      actions = await bus.subscribe({
        groupId: `${options.groupId ?? 'driftwatch-responder'}-actions`,
        topic: TOPICS.actions,
        decode: (v) => ActionSignal.parse(v),
        handler: handleAction,
        fromBeginning: false,
      });
      alerts = await bus.subscribe({
        groupId: options.groupId ?? 'driftwatch-responder',
        topic: TOPICS.alerts,
        decode: (v) => Alert.parse(v),
        handler: handleAlert,
      });
      // Releases happen in the api (another process in production): refresh the gauge from the store.
      gaugeTimer = setInterval(() => {
        store.countQuarantined().then((n) => metrics.quarantinedServers.set(n), () => undefined);
      }, GAUGE_REFRESH_MS);
      gaugeTimer.unref();
      logger.info({ quarantineAt: policy.quarantineAt, pageAt: policy.pageAt, dryRun: policy.dryRun, receivers: [...sinks.keys()] }, 'responder started');
    },
    async close() {
      clearInterval(gaugeTimer);
      await alerts?.close();
      await actions?.close();
      alerts = undefined;
      actions = undefined;
      await flusher.close();
      await delivery.close();
      logger.info('responder stopped');
    },
    isReady() {
      return alerts !== undefined;
    },
    async idle() {
      await flusher.idle();
      await delivery.idle();
      await flusher.idle();
    },
  };
}
