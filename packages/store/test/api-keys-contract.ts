import { randomInt } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '@driftwatch/core';
import { CorruptValueError, type StatePort } from '../src/index.js';
import type { StoreHarness } from './contract.js';
import { at } from './fixtures/builders.js';

let n = 0;
/** A well-formed record; ids are unique per call. */
export function apiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  n++;
  const id = `k_${Array.from({ length: 16 }, () => 'abcdefghijklmnopqrstuvwxyz234567'[randomInt(32)]).join('')}`;
  return {
    id,
    name: `key-${n}`,
    owner: 'team-sec',
    scope: 'operate',
    createdAt: at(n * 1000),
    createdBy: 'key:bootstrap-admin (k_aaaaaaaaaaaaaaaa)',
    expiresAt: at(30 * 86_400_000),
    hash: { alg: 'scrypt', N: 16384, r: 8, p: 1, salt: 'A'.repeat(22), hash: 'B'.repeat(43) },
    ...overrides,
  };
}

/** API key storage every StatePort adapter shares. Registered by each adapter's api-keys test file. */
export function registerApiKeyContract(name: string, harness: StoreHarness): void {
  describe(`StatePort api keys: ${name}`, () => {
    let store: StatePort;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('is empty at first and null for an unknown id', async () => {
      expect(await store.listApiKeys()).toEqual([]);
      expect(await store.getApiKey('k_aaaaaaaaaaaaaaaa')).toBeNull();
    });

    it('round-trips records and lists them oldest first', async () => {
      const a = apiKeyRecord({ createdAt: at(5000) });
      const b = apiKeyRecord({ createdAt: at(1000), scope: 'admin', owner: 'Ops Team / on-call' });
      await store.putApiKey(a);
      await store.putApiKey(b);
      expect(await store.getApiKey(a.id)).toEqual(a);
      expect(await store.getApiKey(b.id)).toEqual(b);
      expect((await store.listApiKeys()).map((r) => r.id)).toEqual([b.id, a.id]);
    });

    it('does not let a caller mutate a stored record through a returned object', async () => {
      const a = apiKeyRecord();
      await store.putApiKey(a);
      const got = (await store.getApiKey(a.id))!;
      got.scope = 'admin';
      got.hash.N = 1024;
      expect(await store.getApiKey(a.id)).toEqual(a);
    });

    it('refuses to store a record that would not validate on the way back', async () => {
      const bad = [
        apiKeyRecord({ id: 'k_UPPERCASEUPPERCA' }),
        apiKeyRecord({ hash: { alg: 'scrypt', N: 1 << 24, r: 8, p: 1, salt: 'A'.repeat(22), hash: 'B'.repeat(43) } }),
        apiKeyRecord({ hash: { alg: 'scrypt', N: 3000, r: 8, p: 1, salt: 'A'.repeat(22), hash: 'B'.repeat(43) } }),
        { ...apiKeyRecord(), expiresAt: 'tomorrow' },
      ];
      for (const rec of bad) await expect(store.putApiKey(rec)).rejects.toBeInstanceOf(CorruptValueError);
      expect(await store.listApiKeys()).toEqual([]);
    });

    it('revokes once: the first revocation stands, unknown ids give null', async () => {
      const a = apiKeyRecord();
      await store.putApiKey(a);
      const revoked = await store.revokeApiKey(a.id, at(9000), 'oidc:alice@example.com');
      expect(revoked).toEqual({ ...a, revokedAt: at(9000), revokedBy: 'oidc:alice@example.com' });
      expect(await store.getApiKey(a.id)).toEqual(revoked);
      const again = await store.revokeApiKey(a.id, at(9999), 'key:other (k_bbbbbbbbbbbbbbbb)');
      expect(again).toEqual(revoked);
      expect(await store.revokeApiKey('k_cccccccccccccccc', at(1), 'x')).toBeNull();
      expect(await store.getApiKey('k_cccccccccccccccc')).toBeNull();
    });

    it('concurrent revocations of one key: one revokedBy wins and is what every caller sees', async () => {
      const a = apiKeyRecord();
      await store.putApiKey(a);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.revokeApiKey(a.id, at(10_000 + i), `actor-${i}`)));
      const stored = (await store.getApiKey(a.id))!;
      expect(stored.revokedBy).toMatch(/^actor-\d$/);
      // Every caller got a revoked record; at least the winner got the stored one.
      expect(results.every((r) => r?.revokedAt !== undefined)).toBe(true);
      expect(results.some((r) => r?.revokedBy === stored.revokedBy)).toBe(true);
      expect((await store.listApiKeys()).filter((r) => r.id === a.id)).toHaveLength(1);
    });
  });
}
