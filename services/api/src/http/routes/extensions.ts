import type { FastifyInstance } from 'fastify';
import type { ApiOperations } from '../operations.js';
import { KeyParams, NoParams, ServerParams, ToolParams } from '../schemas.js';
import { registerOperation } from './operation-route.js';

/**
 * The routes whose handlers live elsewhere (catalog, consent per tool, keys). Each is registered
 * only when its operation is supplied; its scope is already in the route → scope table.
 */
export function registerOperationRoutes(app: FastifyInstance, ops: ApiOperations): void {
  if (ops.addServer) registerOperation(app, { method: 'POST', url: '/v1/servers', summary: 'Add a server to the catalog', params: NoParams, status: 201 }, ops.addServer);
  if (ops.updateServer) registerOperation(app, { method: 'PATCH', url: '/v1/servers/:id', summary: 'Change a server in the catalog', params: ServerParams }, ops.updateServer);
  if (ops.removeServer) registerOperation(app, { method: 'DELETE', url: '/v1/servers/:id', summary: 'Remove a server from the catalog', params: ServerParams }, ops.removeServer);
  if (ops.rejectServer) registerOperation(app, { method: 'POST', url: '/v1/servers/:id/reject', summary: "Reject a server's current change", params: ServerParams }, ops.rejectServer);
  if (ops.approveTool) registerOperation(app, { method: 'POST', url: '/v1/servers/:id/tools/:name/approve', summary: "Approve one tool's change", params: ToolParams }, ops.approveTool);
  if (ops.rejectTool) registerOperation(app, { method: 'POST', url: '/v1/servers/:id/tools/:name/reject', summary: "Reject one tool's change", params: ToolParams }, ops.rejectTool);
  if (ops.listKeys) registerOperation(app, { method: 'GET', url: '/v1/keys', summary: 'API keys (never their secrets)', params: NoParams }, ops.listKeys);
  if (ops.createKey) registerOperation(app, { method: 'POST', url: '/v1/keys', summary: 'Create an API key (its secret is shown once)', params: NoParams, status: 201 }, ops.createKey);
  if (ops.revokeKey) registerOperation(app, { method: 'DELETE', url: '/v1/keys/:id', summary: 'Revoke an API key', params: KeyParams }, ops.revokeKey);
}
