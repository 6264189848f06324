import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore, type StatePort } from '../src/index.js';
import { incident, registerIncidentStoreContract } from './incidents-contract.js';

const silent = pino({ level: 'silent' });
const dirs = new Map<StatePort, string>();

registerIncidentStoreContract('file', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'dw-inc-store-'));
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

describe('file store: incidents survive a restart', () => {
  const cleanup: string[] = [];
  afterEach(async () => {
    for (const d of cleanup.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('replays incidents, silences and deliveries from the journal and from a compacted state file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-inc-store-'));
    cleanup.push(dir);
    let store = await createFileStore({ dir, logger: silent });
    const r = (await store.putIncident(incident('mail', 0), 0))!;
    await store.putSilence({ id: 's1', matchers: { serverId: 'mail' }, author: 'a', comment: 'c', startsAt: r.openedAt, endsAt: r.openedAt, createdAt: r.openedAt });
    await store.close();
    store = await createFileStore({ dir, logger: silent });
    expect(await store.getIncident(r.id)).toEqual(r);
    expect((await store.getOpenIncidentByGroupKey('mail'))?.id).toBe(r.id);
    expect((await store.listSilences()).map((s) => s.id)).toEqual(['s1']);
    expect(await store.putIncident(r, 0)).toBeNull();
    expect((await store.putIncident(r, 1))?.version).toBe(2);
    await store.close();
    // Opening compacts the journal into the state file; open once more to read from it.
    store = await createFileStore({ dir, logger: silent });
    await store.close();
    store = await createFileStore({ dir, logger: silent });
    expect((await store.getIncident(r.id))?.version).toBe(2);
    expect((await store.listIncidentsNeedingAttention()).map((x) => x.id)).toEqual([r.id]);
    await store.close();
  });

  it('drops the oldest finished incidents beyond its bound, never ones with work left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-inc-store-'));
    cleanup.push(dir);
    const store = await createFileStore({ dir, logger: silent, maxIncidents: 2 });
    const active = (await store.putIncident(incident('a', 0, {}, 'a'), 0))!;
    for (let i = 1; i <= 3; i++) {
      const r = (await store.putIncident(incident(`s${i}`, i * 1000, {}, `s${i}`), 0))!;
      const { resolveByHuman } = await import('@driftwatch/core');
      await store.putIncident(resolveByHuman(r, 'x', 'y', new Date(Date.parse(r.openedAt) + 1)), r.version);
    }
    expect(await store.getIncident(active.id)).not.toBeNull();
    expect((await store.listIncidents()).length).toBe(2);
    await store.close();
  });
});
