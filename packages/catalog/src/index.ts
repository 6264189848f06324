export { createCatalogView, type CatalogView, type CatalogViewOptions } from './view.js';
export { publishEntry, publishRemoval, auditCatalogChange, type CatalogWriteDeps, type CatalogActionKind } from './writer.js';
export { syncCatalogFromFile, FILE_ACTOR, type CatalogMode, type CatalogSyncDeps, type CatalogSyncInput, type CatalogSyncResult } from './sync.js';
export { createConfigReloader, type ConfigReloader, type ConfigReloaderOptions, type SignalTarget } from './reload.js';
export { resolveEntry, type Resolution, type ResolveOptions } from './resolve.js';
export { startLivingCatalog, type LivingCatalog, type LivingCatalogOptions } from './living-catalog.js';
