import type { Scope } from '../auth/types.js';

/**
 * The one route → scope table. Every route the API registers must have an entry here, or the app
 * refuses to start (see enforce-route-scopes.ts); the guard reads it on every request. Paths are
 * written as OpenAPI writes them (`{id}`), which is also the `route` label of the request metric.
 * /metrics, /healthz and /readyz are not here: the runtime's own server answers them, without auth.
 */
export const ROUTE_SCOPES = {
  'GET /v1/servers': 'read',
  'GET /v1/servers/{id}': 'read',
  'GET /v1/alerts': 'read',
  'GET /v1/actions': 'read',
  'GET /v1/allowlist': 'read',
  'GET /v1/events': 'read',
  'GET /openapi.json': 'read',
  'GET /v1/incidents': 'read',
  'GET /v1/incidents/{id}': 'read',
  'GET /v1/silences': 'read',

  'POST /v1/servers/{id}/approve': 'operate',
  'POST /v1/servers/{id}/reject': 'operate',
  'POST /v1/servers/{id}/release': 'operate',
  'POST /v1/servers/{id}/tools/{name}/approve': 'operate',
  'POST /v1/servers/{id}/tools/{name}/reject': 'operate',
  'POST /v1/incidents/{id}/ack': 'operate',
  'POST /v1/incidents/{id}/resolve': 'operate',
  'POST /v1/silences': 'operate',
  'DELETE /v1/silences/{id}': 'operate',

  'POST /v1/servers': 'admin',
  'PATCH /v1/servers/{id}': 'admin',
  'DELETE /v1/servers/{id}': 'admin',
  'GET /v1/keys': 'admin',
  'POST /v1/keys': 'admin',
  'DELETE /v1/keys/{id}': 'admin',
} as const satisfies Record<string, Scope>;

export type RouteKey = keyof typeof ROUTE_SCOPES;

/** `/v1/servers/:id` (Fastify's syntax) → `/v1/servers/{id}` (OpenAPI's, and the table's). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${openApiPath(url)}`;
}

/** The scope a route needs; undefined when the route is not in the table. */
export function requiredScope(method: string, url: string): Scope | undefined {
  const key = routeKey(method, url);
  return Object.hasOwn(ROUTE_SCOPES, key) ? ROUTE_SCOPES[key as RouteKey] : undefined;
}
