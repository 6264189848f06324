export { createApiHandler, type ApiOptions } from './routes.js';
export { approve, release, ConflictError } from './control.js';
export { listActions, ListActionsQuery, ListActionsResponse, type ListActionsDeps } from './actions/list-actions.js';
export * from './events/index.js';
