import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { availableParallelism } from 'node:os';
import { defaultAnalysisThreads, TOPICS, type DriftwatchConfig, type ServerConfig } from '@driftwatch/core';
import { createInProcessBus, createKafkaBus, type BusPort, type KafkaBus } from '@driftwatch/bus';
import { createRedisStore, createSqliteStore, type StatePort } from '@driftwatch/store';
import { createMetrics, startHttpServer, type DriftwatchMetrics, type HttpServerHandle, type ShutdownStep } from '@driftwatch/runtime';
import { createPoller, type Poller } from '@driftwatch/poller';
import { createProbeHost, defaultProbeSizing } from '@driftwatch/probe';
import { createDiffer, threadAnalyser, type Differ } from '@driftwatch/differ';
import { createApi, createAuthenticator, createDefaultOperations, ensureBootstrapAdminKey, resolveAnonymousRead, type Api, type ApiOperations, type Authenticator, type ServerCatalog } from '@driftwatch/api';
import { createResponder, type Responder } from '@driftwatch/responder';
import { createReceivers } from '@driftwatch/responder/receivers';
import { resolveEntry, startLivingCatalog, type LivingCatalog, type SignalTarget } from '@driftwatch/catalog';

import { VERSION } from './version.js';
import { createStateRecovery, type StateRecovery } from './recovery/state-recovery.js';
import { mirrorIncidents } from './recovery/incident-mirror.js';

export const ROLES = ['poller', 'differ', 'responder', 'api'] as const;
export type Role = (typeof ROLES)[number];

export interface AppOptions {
  roles: readonly Role[];
  config: DriftwatchConfig;
  logger: Logger;
  /** Distributed mode when both are set; embedded (in-process bus, SQLite store in dataDir) when neither is. */
  kafkaBrokers?: string[];
  redisUrl?: string;
  dataDir: string;
  port: number;
  host?: string;
  instanceId: string;
  pagerWebhook?: string;
  /** Redis key prefix and Kafka group/client prefix, so tests can share one broker. */
  namespace?: string;
  /** Who may call the API; without one, no credential is accepted (anonymous reads at most). */
  authenticator?: Authenticator;
  /** The API's domain operations written outside the HTTP layer (catalog, keys, consent, events). */
  apiOperations?: ApiOperations;
  /**
   * The config file `config` was read from: reloaded on SIGHUP (and on change with
   * `catalog: file`) and its servers' difference applied to the living catalog. None: no reloading.
   */
  configPath?: string;
  /** Where SIGHUP comes from; default process; null: not followed (several apps in one process). */
  signals?: SignalTarget | null;
  /** How often the catalog view re-reads the store in full (a safety net for lost messages); default 30 s. */
  catalogResyncMs?: number;
  /** Distributed mode: how often a running process checks that the store was not lost (default 10 s). */
  recoveryCheckMs?: number;
}

export interface App {
  mode: 'embedded' | 'distributed';
  port: number;
  bus: BusPort;
  store: StatePort;
  metrics: DriftwatchMetrics;
  poller?: Poller;
  /** The living catalog: this process's view, its mode, reloading. */
  catalog: LivingCatalog;
  /** Closing steps in order: producers first, then consumers, then the ports, then HTTP. */
  shutdownSteps(): ShutdownStep[];
  close(): Promise<void>;
}

export class UsageError extends Error {}

/**
 * Snapshots the differ group may have unconsumed before the pollers hold back (they stop at
 * half: see the poller's BACKPRESSURE_AT). 10,000 servers at a 60 s interval publish this many a
 * minute: the differ may fall half a round behind, never further.
 */
const SNAPSHOT_MAX_LAG = 10_000;

/** Wires the ports and starts the requested services: consume → decide → produce, per role. */
export async function startApp(options: AppOptions): Promise<App> {
  const { config, logger, roles } = options;
  const distributed = Boolean(options.kafkaBrokers?.length && options.redisUrl);
  if (!distributed && (options.kafkaBrokers?.length || options.redisUrl)) {
    throw new UsageError('set both KAFKA_BROKERS and REDIS_URL for the distributed mode, or neither for the embedded mode');
  }
  if (!distributed && roles.length < ROLES.length) {
    throw new UsageError(`"${roles.join(', ')}" alone needs KAFKA_BROKERS and REDIS_URL; use "driftwatch start" for the embedded mode`);
  }
  const ns = options.namespace ?? '';
  const metrics = createMetrics();
  const onDlq = (topic: string, reason: string) => {
    metrics.dlqMessagesTotal.inc({ topic });
    logger.warn({ topic, reason }, 'message sent to the dead-letter topic');
  };
  const kafka: KafkaBus | undefined = distributed
    ? createKafkaBus({
        brokers: options.kafkaBrokers!,
        clientId: `${ns}driftwatch-${roles.join('-')}`,
        logger: logger.child({ component: 'kafka' }),
        onDlq,
        // A poller respects the differ's lag on the snapshots (see the poller's back-pressure).
        ...(roles.includes('poller')
          ? {
              lagWatches: [{ topic: TOPICS.snapshots, groupId: `${ns}driftwatch-differ`, maxLag: SNAPSHOT_MAX_LAG }],
              onLag: (topic: string, group: string, lag: number) => metrics.consumerLagMessages.set({ topic, group }, lag),
            }
          : {}),
      })
    : undefined;
  const bus: BusPort = kafka ?? createInProcessBus({ logger: logger.child({ component: 'bus' }), onDlq });
  // The store names itself in its log lines (component, adapter): a child binding here would write
  // a second "component" key into every line, which JSON readers resolve to one or the other.
  const ownStore: StatePort = distributed
    ? createRedisStore({ url: options.redisUrl!, logger, keyPrefix: `${ns}dw:`, auditRetentionDays: config.api.auditRetentionDays })
    : // Embedded: SQLite in the data directory; a file-store directory is imported once (or refused).
      await createSqliteStore({ dir: options.dataDir, logger, auditRetentionDays: config.api.auditRetentionDays });
  // Redis is a cache of what Kafka keeps: incidents too (see recovery/incident-mirror.ts).
  const store: StatePort = kafka ? mirrorIncidents(ownStore, bus, logger) : ownStore;

  const steps: ShutdownStep[] = [];
  let http: HttpServerHandle | undefined;
  let api: Api | undefined;
  let authenticator: Authenticator | undefined;
  let poller: Poller | undefined;
  let differ: Differ | undefined;
  let responder: Responder | undefined;
  let living: LivingCatalog | undefined;
  let recovery: StateRecovery | undefined;
  let recoveryTimer: NodeJS.Timeout | undefined;
  try {
    await bus.ensureTopics(Object.values(TOPICS));
    if (kafka) {
      // Redis may have been lost (flushed, or a new instance): before any role reads the catalog,
      // compares a snapshot or decides a quarantine, the store gets back what Kafka keeps. Until
      // then this process is not ready (its HTTP server is not even listening).
      recovery = createStateRecovery({
        // Restores what the topics hold: not published back.
        store: ownStore,
        read: (topics) => kafka.readCompacted(topics, { groupPrefix: ns }),
        logger,
        instanceId: `${ns}${options.instanceId}`,
      });
      await recovery.ensure();
      // Redis lost under a running deployment: found within one check, or sooner by the differ
      // when a snapshot has no baseline (see DifferOptions.ensureState).
      recoveryTimer = setInterval(() => {
        recovery!.ensure().catch((err: unknown) => logger.error({ err }, 'recovery: rebuilding the store from Kafka failed; will retry'));
      }, options.recoveryCheckMs ?? 10_000);
      recoveryTimer.unref();
    }
    // Distributed mode: what every reader of the store calls before trusting it (one key read, or
    // a rebuild from Kafka when the store was lost).
    const ensureState = recovery ? async () => void (await recovery!.ensure()) : undefined;
    // Every role reads the living catalog, not config.servers: the file is written to it first
    // (see @driftwatch/catalog's sync for who writes), then this process follows it.
    living = await startLivingCatalog({
      bus,
      store,
      logger,
      now: () => new Date(),
      instanceId: options.instanceId,
      // Unique per process: every view must see every change (a shared group would split them).
      groupId: `${ns}driftwatch-catalog-${options.instanceId}-${randomUUID().slice(0, 8)}`,
      config,
      ...(options.configPath ? { configPath: options.configPath } : {}),
      ...(options.signals !== undefined ? { signals: options.signals } : {}),
      ...(options.catalogResyncMs !== undefined ? { resyncMs: options.catalogResyncMs } : {}),
      ...(ensureState ? { beforeResync: ensureState } : {}),
    });
    const catalog = living.view;
    const deps = { config, bus, store, metrics, catalog };
    if (roles.includes('responder')) {
      // No receivers configured: one log line (or the legacy webhook POST) per incident transition.
      const responderLogger = logger.child({ service: 'responder' });
      const receivers = createReceivers(config.receivers, { bus, logger: responderLogger.child({ component: 'receivers' }), now: () => new Date(), productVersion: VERSION });
      responder = createResponder({
        ...deps,
        logger: responderLogger,
        ...(receivers.size > 0 ? { receivers } : {}),
        ...(options.pagerWebhook ? { pagerWebhook: options.pagerWebhook } : {}),
        groupId: `${ns}driftwatch-responder`,
        instanceId: `${ns}${options.instanceId}`,
        ...(ensureState ? { ensureState } : {}),
      });
      await responder.start();
    }
    if (roles.includes('differ')) {
      const differLogger = logger.child({ service: 'differ' });
      const analysisThreads = defaultAnalysisThreads(config.differ, availableParallelism(), !roles.includes('poller'));
      differ = createDiffer({
        ...deps,
        logger: differLogger,
        // The differ closes it.
        analyser: threadAnalyser({ logger: differLogger.child({ component: 'analysis' }), threads: analysisThreads }),
        groupId: `${ns}driftwatch-differ`,
        reconcileOnStart: !distributed,
        ...(ensureState ? { ensureState } : {}),
      });
      await differ.start();
    }
    if (roles.includes('poller')) {
      const pollerLogger = logger.child({ service: 'poller' });
      // Probe threads and concurrency: the config's `poller:` keys, the rest sized for this machine.
      const sizing = defaultProbeSizing(config.poller);
      poller = createPoller({
        ...deps,
        logger: pollerLogger,
        // The poller closes it.
        runner: createProbeHost({
          logger: pollerLogger,
          threads: sizing.threads,
          concurrentPerThread: sizing.concurrentPerThread,
          maxConcurrentStdio: sizing.maxConcurrentStdio,
          ...(config.poller.maxKeptStdioSessions !== undefined ? { maxKeptStdioSessions: config.poller.maxKeptStdioSessions } : {}),
        }),
        maxConcurrentProbes: sizing.maxConcurrentProbes,
        instanceId: options.instanceId,
        // Credential references are resolved here, where the probe runs, and nowhere else.
        resolve: (entry) => resolveEntry(entry, { allowPrivateNetwork: config.allowPrivateNetwork, env: living!.env(), configServer: living!.configServer }),
        // Embedded: one poller, no replica to share slots with, so no claim delay.
        ...(distributed ? {} : { maxClaimDelayMs: 0 }),
      });
      await poller.start();
    }
    if (roles.includes('api')) {
      // First start: an admin key so the control plane is usable, shown once on stderr (and kept
      // in <data-dir>/admin.key, 0600, in the embedded mode).
      await ensureBootstrapAdminKey({
        store,
        bus,
        ...(distributed ? {} : { dataDir: options.dataDir }),
        now: () => new Date(),
        logger: logger.child({ component: 'auth' }),
        write: (line) => void process.stderr.write(line),
      });
    }
    const services = [poller, differ, responder].filter((s) => s !== undefined);
    if (roles.includes('api')) {
      const apiLogger = logger.child({ service: 'api' });
      const now = () => new Date();
      // The HTTP layer reads servers through this port: the live view, or the store for a server
      // added a moment ago whose topic message has not reached this view yet.
      const apiCatalog: ServerCatalog = {
        list: async () => catalog.list() as unknown as ServerConfig[],
        get: async (id) => (catalog.get(id) ?? (await store.getCatalogEntry(id)) ?? undefined) as ServerConfig | undefined,
      };
      authenticator = options.authenticator ?? createAuthenticator({ store, settings: config.api, now, logger: apiLogger.child({ component: 'auth' }) });
      api = await createApi({
        ...deps,
        logger: apiLogger,
        catalog: apiCatalog,
        authenticator,
        anonymousRead: resolveAnonymousRead({ configured: config.api.anonymousRead, embedded: !distributed, host: options.host ?? '0.0.0.0' }),
        operations:
          options.apiOperations ??
          createDefaultOperations({
            ...deps,
            catalog: apiCatalog,
            logger: apiLogger,
            now,
            living: { reader: catalog, mode: () => living!.mode(), allowPrivateNetwork: config.allowPrivateNetwork },
          }),
      });
    }
    http = await startHttpServer({
      port: options.port,
      ...(options.host ? { host: options.host } : {}),
      logger: logger.child({ component: 'http' }),
      metrics,
      isReady: () => bus.isReady() && store.isReady() && catalog.isReady() && (recovery?.isRecovered() ?? true) && services.every((s) => s.isReady()),
      ...(api ? { handler: api.handler } : {}),
    });
  } catch (err) {
    clearInterval(recoveryTimer);
    await Promise.allSettled([poller?.close(), differ?.close(), responder?.close(), api?.close(), authenticator?.close(), living?.close()]);
    await Promise.allSettled([bus.close(), store.close()]);
    throw err;
  }

  if (recoveryTimer) steps.push({ name: 'recovery', close: async () => clearInterval(recoveryTimer) });
  // Stop producing first (no new polls), then let consumers finish and commit, then disconnect.
  if (poller) steps.push({ name: 'poller', close: () => poller!.close() });
  if (differ) steps.push({ name: 'differ', close: () => differ!.close() });
  if (responder) steps.push({ name: 'responder', close: () => responder!.close() });
  // Ends event streams and answers 503 from here on, before the ports the routes read are closed.
  if (api) steps.push({ name: 'api', close: () => api!.close() });
  steps.push({ name: 'catalog', close: () => living!.close() });
  steps.push({ name: 'bus', close: () => bus.close() });
  steps.push({ name: 'store', close: () => store.close() });
  steps.push({
    name: 'http',
    close: async () => {
      await http!.close();
      await authenticator?.close();
    },
  });

  logger.info(
    { mode: distributed ? 'distributed' : 'embedded', roles, port: http.port, servers: living.view.list().length, catalog: living.mode() },
    'driftwatch started',
  );
  let closed: Promise<void> | undefined;
  return {
    mode: distributed ? 'distributed' : 'embedded',
    port: http.port,
    bus,
    store,
    metrics,
    ...(poller ? { poller } : {}),
    catalog: living,
    shutdownSteps: () => steps,
    close() {
      closed ??= (async () => {
        for (const step of steps) {
          try {
            await step.close();
          } catch (err) {
            logger.error({ err, step: step.name }, 'shutdown step failed');
          }
        }
      })();
      return closed;
    },
  };
}
