import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Operation } from '../operations.js';
import { ActionList, ActionsQuery, type NoParams } from '../schemas.js';
import { answers, type RouteDeps } from './deps.js';
import { registerOperation } from './operation-route.js';

/** The audit trail. An injected `listActions` (e.g. with cursor pagination) replaces today's read. */
export function registerActionRoutes(app: FastifyInstance, deps: RouteDeps, override?: Operation<NoParams>): void {
  if (override) {
    registerOperation(app, { method: 'GET', url: '/v1/actions', summary: 'The audit trail' }, override);
    return;
  }
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/actions',
    { schema: { summary: 'The audit trail, newest first', querystring: ActionsQuery, response: answers(ActionList) } },
    async (request) => ({ actions: await deps.store.listAudit(request.query.limit, request.query.serverId) }),
  );
}
