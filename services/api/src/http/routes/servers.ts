import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { serverView, alertView } from '../../views.js';
import { ServerDetail, ServerList, ServerParams } from '../schemas.js';
import { answers, serverOr404, type RouteDeps } from './deps.js';

export function registerServerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, catalog } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/servers', { schema: { summary: 'Servers with their status', response: answers(ServerList) } }, async () => {
    const [servers, states] = await Promise.all([catalog.list(), store.listServerStates()]);
    const byId = new Map(states.map((s) => [s.serverId, s]));
    return { servers: servers.map((s) => serverView(s, byId.get(s.id) ?? null)) };
  });

  r.get(
    '/v1/servers/:id',
    { schema: { summary: 'One server with its open alerts', params: ServerParams, response: answers(ServerDetail) } },
    async (request) => {
      const server = await serverOr404(catalog, request.params.id);
      const [state, open] = await Promise.all([
        store.getServerState(server.id),
        store.listAlerts({ serverId: server.id, status: 'open', limit: 1000 }),
      ]);
      return { ...serverView(server, state), openAlerts: open.map(alertView) };
    },
  );
}
