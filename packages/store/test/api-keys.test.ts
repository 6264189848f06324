import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore, type StatePort } from '../src/index.js';
import { apiKeyRecord, registerApiKeyContract } from './api-keys-contract.js';
import { at } from './fixtures/builders.js';

const silent = pino({ level: 'silent' });
const dirs = new Map<StatePort, string>();

registerApiKeyContract('file', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'dw-keys-'));
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

describe('file store: api keys survive a restart', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('replays keys and revocations from the journal, and from a compacted state file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-keys-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const a = apiKeyRecord();
    const b = apiKeyRecord();
    const first = await createFileStore({ dir, logger: silent });
    await first.putApiKey(a);
    await first.putApiKey(b);
    await first.revokeApiKey(a.id, at(7000), 'cli:root@host');
    await first.close();

    // Reopening compacts the journal into the state file; reopen twice to read both forms.
    for (let i = 0; i < 2; i++) {
      const again = await createFileStore({ dir, logger: silent });
      expect(await again.getApiKey(a.id)).toEqual({ ...a, revokedAt: at(7000), revokedBy: 'cli:root@host' });
      expect(await again.getApiKey(b.id)).toEqual(b);
      expect((await again.listApiKeys()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      await again.close();
    }
  });
});
