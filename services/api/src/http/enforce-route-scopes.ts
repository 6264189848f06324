import type { FastifyInstance } from 'fastify';
import type { RouteIndex } from './route-index.js';
import { requiredScope, routeKey } from './route-scopes.js';

export class UnscopedRouteError extends Error {
  override readonly name = 'UnscopedRouteError';
}

/**
 * Registers before any route: a route without an entry in the route → scope table throws here,
 * at registration, so the API cannot start with a route nobody decided the scope of.
 */
export function enforceRouteScopes(app: FastifyInstance, index: RouteIndex): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (requiredScope(method, route.url) === undefined) {
        throw new UnscopedRouteError(`${routeKey(method, route.url)} has no entry in the route → scope table (services/api/src/http/route-scopes.ts)`);
      }
      index.add(method, route.url);
    }
  });
}
