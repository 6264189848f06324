import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LIMITS, type DriftwatchConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import type { Authenticator } from '../auth/types.js';
import { configCatalog, type ServerCatalog } from './catalog.js';
import { enforceRouteScopes } from './enforce-route-scopes.js';
import { frameworkErrors, installErrorHandling, MAX_PARAM_LENGTH } from './errors.js';
import { installGuard } from './guard.js';
import { createHostCheck } from './hosts.js';
import { installJsonBodyParser } from './json-body.js';
import { installOpenApi, registerOpenApiRoute } from './openapi.js';
import type { ApiOperations } from './operations.js';
import { decoratePrincipal } from './principal.js';
import { installMutationRateLimit } from './rate-limit.js';
import { installRequestMetrics } from './request-metrics.js';
import { RouteIndex } from './route-index.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerAllowlistRoute } from './routes/allowlist.js';
import { registerControlRoutes } from './routes/control.js';
import { registerEventRoute } from './routes/events.js';
import { registerOperationRoutes } from './routes/extensions.js';
import { registerServerRoutes } from './routes/servers.js';
import { apiSettingsOf, DEFAULT_MUTATIONS_PER_MINUTE } from './settings.js';
import { zodValidatorCompiler } from './validation.js';

export interface ApiOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  authenticator: Authenticator;
  /** Resolved with resolveAnonymousRead(): may callers without a credential use `read` routes? */
  anonymousRead: boolean;
  /** Handlers written elsewhere; a route whose operation is absent is not registered. */
  operations?: ApiOperations;
  /** Where servers come from; default the config file's list. */
  catalog?: ServerCatalog;
  now?: () => Date;
}

export interface BuiltApp {
  app: FastifyInstance;
  routes: RouteIndex;
}

/**
 * The Fastify app, not yet ready: hooks first (the route table check, the guard, metrics), then
 * the plugins that watch routes being added (rate limit, OpenAPI), then the routes. Tests add a
 * route of their own to see the table check refuse it.
 */
export async function buildApp(options: ApiOptions, streams: Set<AbortController>): Promise<BuiltApp> {
  const { logger, metrics, authenticator, anonymousRead } = options;
  const ops = options.operations ?? {};
  const settings = apiSettingsOf(options.config);
  const routes = new RouteIndex();
  const deps = {
    bus: options.bus,
    store: options.store,
    catalog: options.catalog ?? configCatalog(options.config),
    logger,
    metrics,
    now: options.now ?? (() => new Date()),
  };

  const app = Fastify({
    // Requests are logged by the runtime's server and counted by request-metrics.ts; errors by errors.ts.
    logger: false,
    bodyLimit: LIMITS.maxApiBodyBytes,
    // A GET route does not silently answer HEAD: every method a route answers is in the table.
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  // Answers are built field by field by views.ts; their schemas document them (OpenAPI).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  decoratePrincipal(app);
  installJsonBodyParser(app);
  installErrorHandling(app, routes, logger);
  enforceRouteScopes(app, routes);
  installGuard(app, { authenticator, anonymousRead, hostAllowed: createHostCheck(settings.allowedHosts), logger });
  const countRequest = installRequestMetrics(app, metrics, routes);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  await installMutationRateLimit(app, settings.mutationsPerMinute ?? DEFAULT_MUTATIONS_PER_MINUTE);
  await installOpenApi(app, anonymousRead);

  registerServerRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerActionRoutes(app, deps, ops.listActions);
  registerAllowlistRoute(app, deps, ops.allowlist);
  registerControlRoutes(app, deps);
  registerOperationRoutes(app, ops);
  if (ops.serveEventStream) registerEventRoute(app, ops.serveEventStream, streams, logger, countRequest);
  registerOpenApiRoute(app);
  return { app, routes };
}
