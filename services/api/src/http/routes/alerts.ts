import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AlertQuery } from '../../bodies.js';
import { alertView } from '../../views.js';
import { AlertList } from '../schemas.js';
import { answers, serverOr404, type RouteDeps } from './deps.js';

export function registerAlertRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, catalog } = deps;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/alerts',
    { schema: { summary: 'Alerts, newest first', querystring: AlertQuery, response: answers(AlertList) } },
    async (request) => {
      const q = request.query;
      if (q.serverId) await serverOr404(catalog, q.serverId);
      const alerts = await store.listAlerts({
        limit: q.limit,
        ...(q.serverId ? { serverId: q.serverId } : {}),
        ...(q.severity ? { minSeverity: q.severity } : {}),
        ...(q.status ? { status: q.status } : {}),
      });
      return { alerts: alerts.map(alertView) };
    },
  );
}
