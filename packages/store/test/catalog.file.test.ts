import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import { createFileStore, type StatePort } from '../src/index.js';
import { registerCatalogContract } from './catalog-contract.js';

const silent = pino({ level: 'silent' });
const dirs = new Map<StatePort, string>();

registerCatalogContract('file', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-cat-'));
    const store = await createFileStore({ dir, logger: silent });
    dirs.set(store, dir);
    return store;
  },
  async dispose(store) {
    await store.close();
    await rm(dirs.get(store)!, { recursive: true, force: true });
    dirs.delete(store);
  },
});

describe('file store: the catalog survives a restart', () => {
  it('replays entries, removals and the seed marker from the journal and from a compacted state file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-cat-'));
    try {
      const a = CatalogEntry.parse({ id: 'a', transport: 'stdio', command: 'node', env: { TOKEN: '${TOKEN}' } });
      const b = CatalogEntry.parse({ id: 'b', transport: 'stdio', command: 'node' });
      let store = await createFileStore({ dir, logger: silent });
      await store.putCatalogEntry(a);
      await store.putCatalogEntry(b);
      await store.deleteCatalogEntry('b');
      await store.markCatalogSeeded('2026-11-24T10:00:00.000Z');
      await store.close();
      // Reopening compacts the journal into the state file; open twice to read both forms.
      for (let i = 0; i < 2; i++) {
        store = await createFileStore({ dir, logger: silent });
        expect(await store.listCatalog()).toEqual([a]);
        expect(await store.catalogSeededAt()).toBe('2026-11-24T10:00:00.000Z');
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
