import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { openApiPath } from './route-scopes.js';
import { pathOf, type RouteIndex } from './route-index.js';

/**
 * driftwatch_api_requests_total{method,route,status}. The route label is the pattern
 * (`/v1/servers/{id}`), never the raw URL, so a scan of random paths cannot grow the series:
 * a path no route knows is counted as `unmatched`.
 */
export type CountRequest = (request: FastifyRequest, status: number) => void;

export function installRequestMetrics(app: FastifyInstance, metrics: DriftwatchMetrics, routes: RouteIndex): CountRequest {
  const count: CountRequest = (request, status) => {
    const url = request.routeOptions.url;
    const route = url !== undefined && !request.is404 ? openApiPath(url) : (routes.match(pathOf(request.url))?.route ?? 'unmatched');
    metrics.apiRequestsTotal.inc({ method: request.method, route, status: String(status) });
  };
  // Fastify runs onResponse on the response's 'finish'; a response the client abandons (an event
  // stream, usually) has none, and its route counts it itself.
  app.addHook('onResponse', async (request, reply) => count(request, reply.statusCode));
  return count;
}
