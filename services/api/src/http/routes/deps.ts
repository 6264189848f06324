import type { Logger } from 'pino';
import type { ServerConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { HttpError, type DriftwatchMetrics } from '@driftwatch/runtime';
import type { ServerCatalog } from '../catalog.js';
import { ErrorBody } from '../errors.js';

/** What the routes this layer owns need. */
export interface RouteDeps {
  bus: BusPort;
  store: StatePort;
  catalog: ServerCatalog;
  logger: Logger;
  metrics: DriftwatchMetrics;
  now: () => Date;
}

export async function serverOr404(catalog: ServerCatalog, id: string): Promise<ServerConfig> {
  const server = await catalog.get(id);
  if (!server) throw new HttpError(404, 'not_found', `no server with id "${id}"`);
  return server;
}

/** The success answer plus the error shape every route shares (OpenAPI). */
export function answers<T>(ok: T) {
  return { 200: ok, '4xx': ErrorBody, '5xx': ErrorBody };
}
