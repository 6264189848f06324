export { createApi, type Api } from './http/create-api.js';
export type { ApiOptions } from './http/app.js';
export type { ApiOperations, AllowlistOperation, EventStreamOptions, Operation, OperationInput, ServeEventStream } from './http/operations.js';
export { defineOperation } from './http/operations.js';
export { configCatalog, type ServerCatalog } from './http/catalog.js';
export { apiSettingsOf, resolveAnonymousRead, isLoopbackHost, type ApiHttpSettings } from './http/settings.js';
export { createNoCredentialsAuthenticator } from './http/no-credentials.js';
export { ROUTE_SCOPES, requiredScope } from './http/route-scopes.js';
export { AuthError, scopeAllows, SCOPES, type Authenticator, type Principal, type Scope } from './auth/types.js';
export { approve, release, ConflictError } from './control.js';
export * from './auth/index.js';
export { approveTool, rejectTool, reject, type ConsentDeps, type ToolDecisionOptions } from './consent-operations.js';
export { getAllowlist, createAllowlistCache, type AllowlistDeps, type AllowlistCache, type AllowlistResult } from './allowlist-operations.js';
export * from './consent-schemas.js';
export { listActions, ListActionsQuery, ListActionsResponse, type ListActionsDeps } from './actions/list-actions.js';
export * from './events/index.js';
export { createDefaultOperations, type DefaultOperationsDeps } from './default-operations.js';
export {
  listIncidents,
  getIncident,
  ackIncident,
  resolveIncident,
  createSilence,
  listSilences,
  deleteSilence,
  NotFoundError,
  InvalidInputError,
  ALL_SERVERS,
  type IncidentOpsDeps,
  type IncidentSummary,
  type IncidentDetail,
  type DeliveryView,
  type SilenceState,
} from './incident-operations.js';
export { IncidentQuery, AckBody, ResolveBody, SilenceBody, SilenceQuery, DeleteSilenceBody } from './incident-bodies.js';
export { addServer, updateServer, removeServer, listServers, findServer, type CatalogOpsDeps } from './catalog-operations.js';
export {
  AddServerBody,
  UpdateServerBody,
  RemoveServerBody,
  ServerView,
  AddServerResponse,
  UpdateServerResponse,
  RemoveServerResponse,
  ServerListResponse,
} from './catalog-schemas.js';
