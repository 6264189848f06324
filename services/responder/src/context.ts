import type { Logger } from 'pino';
import type { DriftwatchConfig, IncidentPolicy, ServerConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';

export interface ServerLookup {
  get(id: string): Pick<ServerConfig, 'tags' | 'interval' | 'quarantine'> | undefined;
  has(id: string): boolean;
}

/** What every stage of the responder reads: the ports, the catalog and the resolved policy. */
export interface StageContext {
  config: DriftwatchConfig;
  policy: IncidentPolicy;
  /** The living catalog (or the config's servers, fixed): tags, interval, quarantine mode. */
  servers: ServerLookup;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  now: () => Date;
}

/** Markers that make a redelivered alert a no-op stay this long. */
export const DONE_TTL_MS = 30 * 24 * 3600 * 1000;
