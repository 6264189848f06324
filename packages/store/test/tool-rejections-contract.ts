import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ToolRejection } from '@driftwatch/core';
import type { StatePort } from '../src/index.js';
import type { StoreHarness } from './contract.js';
import { at } from './fixtures/builders.js';

export function rejection(serverId: string, tool: string, fingerprint: string, overrides: Partial<ToolRejection> = {}): ToolRejection {
  return { serverId, tool, fingerprint, actor: 'key:ops (k_1)', reason: `refused ${tool}`, at: at(7), ...overrides };
}

/** Tool rejections (consent per tool): the same behaviour from every StatePort adapter. */
export function registerToolRejectionContract(name: string, harness: StoreHarness): void {
  describe(`StatePort tool rejections: ${name}`, () => {
    let store: StatePort;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('is empty before anything was rejected', async () => {
      expect(await store.listToolRejections()).toEqual([]);
      expect(await store.listToolRejections('s1')).toEqual([]);
      expect(await store.deleteToolRejection('s1', 'send')).toBe(false);
    });

    it('keeps one rejection per (server, tool): a second put replaces the first', async () => {
      await store.putToolRejection(rejection('s1', 'send', 'fp-1'));
      await store.putToolRejection(rejection('s1', 'send', 'fp-2', { reason: 'still exfiltrates', actionId: 'act_2' }));
      expect(await store.listToolRejections('s1')).toEqual([rejection('s1', 'send', 'fp-2', { reason: 'still exfiltrates', actionId: 'act_2' })]);
    });

    it('lists one server or all, sorted by server then tool, and keeps tool names byte-exact', async () => {
      const odd = '__proto__';
      const spaced = 'read file\u200b';
      await store.putToolRejection(rejection('s2', 'zeta', 'z'));
      await store.putToolRejection(rejection('s1', spaced, 'r'));
      await store.putToolRejection(rejection('s1', odd, 'p'));
      await store.putToolRejection(rejection('s1', 'alpha', 'a'));
      expect((await store.listToolRejections('s1')).map((r) => r.tool)).toEqual([odd, 'alpha', spaced]);
      expect((await store.listToolRejections()).map((r) => `${r.serverId}/${r.tool}`)).toEqual([`s1/${odd}`, 's1/alpha', `s1/${spaced}`, 's2/zeta']);
      expect(await store.listToolRejections('s3')).toEqual([]);
    });

    it('deletes one rejection, once, leaving the others', async () => {
      await store.putToolRejection(rejection('s1', 'a', '1'));
      await store.putToolRejection(rejection('s1', 'b', '2'));
      expect(await store.deleteToolRejection('s1', 'a')).toBe(true);
      expect(await store.deleteToolRejection('s1', 'a')).toBe(false);
      expect((await store.listToolRejections()).map((r) => r.tool)).toEqual(['b']);
      expect(await store.deleteToolRejection('s1', 'b')).toBe(true);
      expect(await store.listToolRejections()).toEqual([]);
      // A server whose last rejection went can get one again and is listed again.
      await store.putToolRejection(rejection('s1', 'c', '3'));
      expect((await store.listToolRejections()).map((r) => r.tool)).toEqual(['c']);
    });

    it('does not let a caller change stored rejections through returned objects', async () => {
      await store.putToolRejection(rejection('s1', 'a', '1'));
      const [got] = await store.listToolRejections('s1');
      got!.fingerprint = 'tampered';
      expect((await store.listToolRejections('s1'))[0]?.fingerprint).toBe('1');
    });

    it('refuses to store a rejection that does not validate', async () => {
      const bad = { ...rejection('s1', 'a', '1'), at: 'yesterday' };
      await expect(store.putToolRejection(bad)).rejects.toThrow();
      expect(await store.listToolRejections()).toEqual([]);
    });
  });
}
