export { createApiHandler, type ApiOptions } from './routes.js';
export { approve, release, ConflictError } from './control.js';
export * from './auth/index.js';
export { approveTool, rejectTool, reject, type ConsentDeps, type ToolDecisionOptions } from './consent-operations.js';
export { getAllowlist, createAllowlistCache, type AllowlistDeps, type AllowlistCache, type AllowlistResult } from './allowlist-operations.js';
export * from './consent-schemas.js';
export { listActions, ListActionsQuery, ListActionsResponse, type ListActionsDeps } from './actions/list-actions.js';
export * from './events/index.js';
