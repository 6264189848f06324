export { createApiHandler, type ApiOptions } from './routes.js';
export { approve, release, ConflictError } from './control.js';
export * from './auth/index.js';
