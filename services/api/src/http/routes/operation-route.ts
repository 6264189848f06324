import type { FastifyInstance, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { ErrorBody } from '../errors.js';
import type { Operation } from '../operations.js';
import { principalOf } from '../principal.js';

export interface OperationRoute {
  method: HTTPMethods;
  /** Fastify syntax (`/v1/servers/:id`); must be in the route → scope table. */
  url: string;
  summary: string;
  params?: z.ZodType;
  /** Used when the operation names none. */
  status?: 200 | 201 | 202 | 204;
}

/** Mounts an injected domain operation: its schemas validate and document, `run` answers. */
export function registerOperation<P, B, Q, R>(app: FastifyInstance, route: OperationRoute, op: Operation<P, B, Q, R>): void {
  const status = op.status ?? route.status ?? 200;
  app.route({
    method: route.method,
    url: route.url,
    schema: {
      summary: op.summary ?? route.summary,
      ...(route.params ? { params: route.params } : {}),
      ...(op.body ? { body: op.body } : {}),
      ...(op.query ? { querystring: op.query } : {}),
      response: { [status]: status === 204 ? z.undefined() : (op.response ?? z.unknown()), '4xx': ErrorBody, '5xx': ErrorBody },
    },
    handler: async (request, reply) => {
      const result = await op.run({
        // Validated by the schemas above (the compiler replaces each part with the parse result).
        params: request.params as P,
        body: request.body as B,
        query: request.query as Q,
        principal: principalOf(request),
      });
      reply.code(status);
      return status === 204 ? reply.send() : result;
    },
  });
}
