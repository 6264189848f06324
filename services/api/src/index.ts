export { createApiHandler, type ApiOptions } from './routes.js';
export { approve, release, ConflictError } from './control.js';
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
