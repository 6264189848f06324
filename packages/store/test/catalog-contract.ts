import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import type { StatePort } from '../src/index.js';
import type { StoreHarness } from './contract.js';

const entry = (id: string, extra: Record<string, unknown> = {}): CatalogEntry =>
  CatalogEntry.parse({ id, transport: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' }, ...extra });

/** The catalog methods every StatePort adapter must share (registered by catalog.*.test.ts). */
export function registerCatalogContract(name: string, harness: StoreHarness): void {
  describe(`StatePort catalog: ${name}`, () => {
    let store: StatePort;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('starts empty and unseeded', async () => {
      expect(await store.listCatalog()).toEqual([]);
      expect(await store.getCatalogEntry('x')).toBeNull();
      expect(await store.catalogSeededAt()).toBeNull();
    });

    it('puts, gets, lists by id and deletes entries, references kept as written', async () => {
      await store.putCatalogEntry(entry('b', { tags: ['prod'] }));
      await store.putCatalogEntry(entry('a'));
      expect((await store.listCatalog()).map((e) => e.id)).toEqual(['a', 'b']);
      const b = await store.getCatalogEntry('b');
      expect(b).toEqual(entry('b', { tags: ['prod'] }));
      expect(b?.transport === 'http' && b.headers.Authorization).toBe('Bearer ${TOKEN}');
      // Overwrite.
      expect(await store.putCatalogEntry(entry('b', { interval: 10 }))).toBe(true);
      expect((await store.getCatalogEntry('b'))?.interval).toBe(10);
      expect(await store.deleteCatalogEntry('b')).toBe(true);
      expect(await store.deleteCatalogEntry('b')).toBe(false);
      expect((await store.listCatalog()).map((e) => e.id)).toEqual(['a']);
    });

    it('onlyIfAbsent writes once, even when racing', async () => {
      const results = await Promise.all([store.putCatalogEntry(entry('r', { owner: 'one' }), { onlyIfAbsent: true }), store.putCatalogEntry(entry('r', { owner: 'two' }), { onlyIfAbsent: true })]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const kept = await store.getCatalogEntry('r');
      expect(kept?.owner).toBe(results[0] ? 'one' : 'two');
      expect(await store.putCatalogEntry(entry('r', { owner: 'three' }), { onlyIfAbsent: true })).toBe(false);
    });

    it('refuses to store what is not a catalog entry', async () => {
      await expect(store.putCatalogEntry({ id: 'bad', transport: 'ftp' } as never)).rejects.toThrow(/catalog entry/);
      expect(await store.getCatalogEntry('bad')).toBeNull();
    });

    it('marks the seed once: the first caller wins and the time is kept', async () => {
      const at = '2026-11-24T10:00:00.000Z';
      expect(await store.markCatalogSeeded(at)).toBe(true);
      expect(await store.markCatalogSeeded('2026-11-25T10:00:00.000Z')).toBe(false);
      expect(await store.catalogSeededAt()).toBe(at);
    });
  });
}
