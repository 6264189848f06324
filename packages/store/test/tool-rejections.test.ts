import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore, type StatePort } from '../src/index.js';
import { registerToolRejectionContract, rejection } from './tool-rejections-contract.js';

const silent = pino({ level: 'silent' });
const dirs = new Map<StatePort, string>();

registerToolRejectionContract('file', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-trej-'));
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

describe('file store: tool rejections are durable', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('survive a restart (journal replay) and a compaction, deletions included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-trej-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const a = await createFileStore({ dir, logger: silent });
    await a.putToolRejection(rejection('s1', 'send', 'fp-1'));
    await a.putToolRejection(rejection('s1', 'gone', 'fp-g'));
    await a.putToolRejection(rejection('s2', 'read', 'fp-r'));
    await a.deleteToolRejection('s1', 'gone');
    await a.close();

    // Replays the journal, then compacts it into the state file on open.
    const b = await createFileStore({ dir, logger: silent });
    expect((await b.listToolRejections()).map((r) => `${r.serverId}/${r.tool}@${r.fingerprint}`)).toEqual(['s1/send@fp-1', 's2/read@fp-r']);
    await b.putToolRejection(rejection('s1', 'send', 'fp-2'));
    await b.close();

    // Reads the compacted state file plus the new journal line.
    const c = await createFileStore({ dir, logger: silent });
    cleanup.push(() => c.close());
    expect((await c.listToolRejections('s1')).map((r) => r.fingerprint)).toEqual(['fp-2']);
    expect(await c.listToolRejections('s2')).toEqual([rejection('s2', 'read', 'fp-r')]);
  });
});
