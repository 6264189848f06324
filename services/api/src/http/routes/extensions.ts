import type { FastifyInstance } from 'fastify';
import type { ApiOperations } from '../operations.js';
import { IdParams, KeyParams, NoParams, ServerParams, ToolParams } from '../schemas.js';
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
  if (ops.listIncidents) registerOperation(app, { method: 'GET', url: '/v1/incidents', summary: 'Incidents, newest first', params: NoParams }, ops.listIncidents);
  if (ops.getIncident) registerOperation(app, { method: 'GET', url: '/v1/incidents/:id', summary: 'One incident: alerts, timeline, deliveries', params: IdParams }, ops.getIncident);
  if (ops.ackIncident) registerOperation(app, { method: 'POST', url: '/v1/incidents/:id/ack', summary: 'Acknowledge an incident (reaches the receivers)', params: IdParams }, ops.ackIncident);
  if (ops.resolveIncident) registerOperation(app, { method: 'POST', url: '/v1/incidents/:id/resolve', summary: 'Resolve an incident by hand (reaches the receivers)', params: IdParams }, ops.resolveIncident);
  if (ops.listSilences) registerOperation(app, { method: 'GET', url: '/v1/silences', summary: 'Silences', params: NoParams }, ops.listSilences);
  if (ops.createSilence) registerOperation(app, { method: 'POST', url: '/v1/silences', summary: 'Silence matching alerts: recorded, never notified', params: NoParams, status: 201 }, ops.createSilence);
  if (ops.deleteSilence) registerOperation(app, { method: 'DELETE', url: '/v1/silences/:id', summary: 'End a silence', params: IdParams }, ops.deleteSilence);
  if (ops.revokeKey) registerOperation(app, { method: 'DELETE', url: '/v1/keys/:id', summary: 'Revoke an API key', params: KeyParams }, ops.revokeKey);
}
