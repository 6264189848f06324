import type { DriftwatchConfig, ServerConfig } from '@driftwatch/core';

/**
 * Where the routes find servers. Today: the config file, read at start. The living catalog
 * (servers added through the API, kept in the store) plugs in here without touching the routes.
 */
export interface ServerCatalog {
  list(): Promise<ServerConfig[]>;
  get(id: string): Promise<ServerConfig | undefined>;
}

export function configCatalog(config: DriftwatchConfig): ServerCatalog {
  const byId = new Map(config.servers.map((s) => [s.id, s]));
  return {
    list: async () => config.servers,
    get: async (id) => byId.get(id),
  };
}
