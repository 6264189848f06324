import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ReasonBody } from '../../bodies.js';
import { approve, release } from '../../control.js';
import { principalOf } from '../principal.js';
import { ApproveResult, ReleaseResult, ServerParams } from '../schemas.js';
import { answers, serverOr404, type RouteDeps } from './deps.js';

/** Consent and release. The audit actor is the authenticated principal, never a header. */
export function registerControlRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { bus, store, catalog, logger, metrics, now } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/servers/:id/approve',
    { schema: { summary: 'Approve the current snapshot as the baseline', params: ServerParams, body: ReasonBody, response: answers(ApproveResult) } },
    async (request) => {
      const server = await serverOr404(catalog, request.params.id);
      const actor = principalOf(request).actor;
      const result = await approve({ bus, store, now }, server, actor, request.body.reason);
      logger.info({ serverId: server.id, actor, ...result }, 'baseline approved');
      metrics.actionsTotal.inc({ action: 'approve' });
      return { serverId: server.id, ...result };
    },
  );

  r.post(
    '/v1/servers/:id/release',
    { schema: { summary: 'Lift a quarantine', params: ServerParams, body: ReasonBody, response: answers(ReleaseResult) } },
    async (request) => {
      const server = await serverOr404(catalog, request.params.id);
      const actor = principalOf(request).actor;
      const result = await release({ bus, store, now }, server, actor, request.body.reason);
      logger.info({ serverId: server.id, actor, actionId: result.actionId }, 'quarantine released');
      metrics.actionsTotal.inc({ action: 'release' });
      metrics.quarantinedServers.set(await store.countQuarantined());
      return { serverId: server.id, ...result };
    },
  );
}
