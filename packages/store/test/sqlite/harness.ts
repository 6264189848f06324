import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createSqliteStore, type SqliteStoreOptions, type StatePort } from '../../src/index.js';
import type { ClockedStoreHarness, ClockedStoreOptions } from '../audit-contract.js';
import type { StoreHarness } from '../contract.js';

export const silent = pino({ level: 'silent' });

/** Fresh SQLite stores in temp dirs, for the contract suites every adapter passes. */
export function sqliteHarness(extra: Partial<SqliteStoreOptions> = {}): StoreHarness & ClockedStoreHarness {
  const dirs = new Map<StatePort, string>();
  async function create(options?: ClockedStoreOptions): Promise<StatePort> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-'));
    const store = await createSqliteStore({ dir, logger: silent, ...(options ? { maintenanceIntervalMs: 0, ...options } : {}), ...extra });
    dirs.set(store, dir);
    return store;
  }
  return {
    create,
    async dispose(store) {
      await store.close();
      await rm(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  };
}
