import type { Logger } from 'pino';
import type { CatalogEntry, DriftwatchConfig, ServerConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { catalogEntriesOf, configEnvOf, loadConfig as loadConfigFile } from '@driftwatch/runtime';
import { createConfigReloader, type ConfigReloader, type SignalTarget } from './reload.js';
import { syncCatalogFromFile, type CatalogMode } from './sync.js';
import { createCatalogView, type CatalogView } from './view.js';

export interface LivingCatalogOptions {
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  now: () => Date;
  /** Lease owner for the file sync; distinct per process. */
  instanceId: string;
  /** This process's view's consumer group (unique per process; see CatalogViewOptions.groupId). */
  groupId: string;
  /** The config as loaded at start: its mode, and its servers (credential references unresolved). */
  config: DriftwatchConfig;
  /** The file to reload on SIGHUP (and on change in `file` mode); none: no reloading. */
  configPath?: string;
  /** Default process; null: no SIGHUP handler (several apps in one test process). */
  signals?: SignalTarget | null;
  /** Default runtime's loadConfig (registers the new file's secrets with the log scrubber). */
  loadConfig?: (path: string) => Promise<DriftwatchConfig>;
  resyncMs?: number;
  /** See CatalogViewOptions.beforeResync. */
  beforeResync?: () => Promise<void>;
  reloadDebounceMs?: number;
}

export interface LivingCatalog {
  view: CatalogView;
  /** The catalog's mode as last loaded (a reload may change it). */
  mode(): CatalogMode;
  /**
   * This process's config-file entry of a server (resolved, as last loaded): what the
   * `${config:...}` pointers of the catalog read (credentials the file holds in clear).
   */
  configServer(serverId: string): ServerConfig | undefined;
  /** The variables the config file was last read with: what `${NAME}` references resolve with. */
  env(): NodeJS.ProcessEnv;
  /** Reloads the config file now, as SIGHUP does (no-op without a configPath). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The catalog of one process: the config file written to the catalog (see sync.ts), then the live
 * view every role reads, then — given the file's path — reloads on SIGHUP and on file changes.
 */
export async function startLivingCatalog(options: LivingCatalogOptions): Promise<LivingCatalog> {
  const { logger } = options;
  const log = logger.child({ component: 'catalog' });
  const deps = { bus: options.bus, store: options.store, now: options.now, logger: log, instanceId: options.instanceId };
  let mode: CatalogMode = options.config.catalog;
  let current = options.config;
  let byId = new Map(current.servers.map((s) => [s.id, s]));
  let fileEntries: readonly CatalogEntry[] = catalogEntriesOf(options.config);
  await syncCatalogFromFile(deps, { mode, entries: fileEntries });

  const view = createCatalogView({
    store: options.store,
    bus: options.bus,
    logger,
    groupId: options.groupId,
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.beforeResync ? { beforeResync: options.beforeResync } : {}),
  });
  await view.start();

  let reloader: ConfigReloader | undefined;
  if (options.configPath) {
    const path = options.configPath;
    const load = options.loadConfig ?? ((p: string) => loadConfigFile(p));
    reloader = createConfigReloader({
      path,
      logger,
      watchFile: mode === 'file',
      ...(options.signals !== undefined ? { signals: options.signals } : {}),
      ...(options.reloadDebounceMs !== undefined ? { debounceMs: options.reloadDebounceMs } : {}),
      async reload(trigger) {
        // Throws on a bad file: the reloader logs it and nothing here has changed yet.
        const next = await load(path);
        const entries = catalogEntriesOf(next);
        if (next.catalog !== mode) log.warn({ from: mode, to: next.catalog }, 'catalog mode changed by the reloaded config file');
        const result = await syncCatalogFromFile(deps, { mode: next.catalog, entries, ...(next.catalog === 'api' ? { previous: fileEntries } : {}) });
        mode = next.catalog;
        fileEntries = entries;
        current = next;
        byId = new Map(next.servers.map((s) => [s.id, s]));
        // This process sees the result at once, without waiting for the topic to bring it back.
        await view.refresh();
        log.info({ trigger, ...result.applied, ...(result.skipped ? { skipped: result.skipped } : {}) }, 'config file reloaded');
      },
    });
  }

  let closing: Promise<void> | undefined;
  return {
    view,
    mode: () => mode,
    configServer: (id) => byId.get(id),
    env: () => configEnvOf(current),
    reload: () => reloader?.trigger('signal') ?? Promise.resolve(),
    close() {
      closing ??= (async () => {
        reloader?.close();
        await view.close();
      })();
      return closing;
    },
  };
}
