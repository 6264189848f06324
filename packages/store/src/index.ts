export * from './port.js';
export * from './incidents-port.js';
export { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { createFileStore, type FileStoreOptions } from './file/file-store.js';
export { CorruptValueError, StoreLockedError, StoreUnavailableError } from './errors.js';
export * from './audit/audit-page.js';
export { InvalidCursorError } from './audit/audit-key.js';
export * from './events/event.js';
export { updateIncident, IncidentContentionError } from './incident-cas.js';
