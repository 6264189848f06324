import type { FastifyInstance } from 'fastify';
import { sendError, type RouteHandler } from '@driftwatch/runtime';
import { buildApp, type ApiOptions } from './app.js';

export interface Api {
  /**
   * Mount on the runtime's node:http server (startHttpServer's `handler`): that server keeps its
   * timeouts, header limit and /metrics /healthz /readyz; every other request is Fastify's,
   * 404 and 405 included, so the handler always reports "handled".
   */
  handler: RouteHandler;
  /** The ready Fastify instance (introspection: routes, OpenAPI). */
  app: FastifyInstance;
  /** Registered routes as `{ method, route }`, route in OpenAPI form. */
  routes(): Array<{ method: string; route: string }>;
  /** Ends open event streams and closes Fastify (later requests get 503). Memoised. */
  close(): Promise<void>;
}

/**
 * Fastify is mounted through `fastify.routing` (documented: the request lookup that the server
 * Fastify would create calls), so no second server or port exists: Fastify's own server object
 * is created but never listens.
 */
export async function createApi(options: ApiOptions): Promise<Api> {
  const streams = new Set<AbortController>();
  const { app, routes } = await buildApp(options, streams);
  await app.ready();
  let closing: Promise<void> | undefined;
  return {
    handler: (req, res) => {
      // Fastify's own 503 while closing has another shape; answer in the API's.
      if (closing) {
        res.setHeader('connection', 'close');
        sendError(res, 503, 'shutting_down', 'the API is shutting down');
      } else app.routing(req, res);
      return true;
    },
    app,
    routes: () => routes.routes(),
    close() {
      closing ??= (async () => {
        for (const stream of streams) stream.abort();
        await app.close();
      })();
      return closing;
    },
  };
}
