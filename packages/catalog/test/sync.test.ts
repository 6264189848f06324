import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogEntry, CatalogMessage, TOPICS, type Action } from '@driftwatch/core';
import { FILE_ACTOR, syncCatalogFromFile, type CatalogSyncDeps } from '../src/index.js';
import { embeddedPorts, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const entry = (id: string, extra: Record<string, unknown> = {}) => CatalogEntry.parse({ id, transport: 'stdio', command: 'node', ...extra });

describe('config file → living catalog', () => {
  let ports: EmbeddedPorts;
  let deps: CatalogSyncDeps;
  let messages: Array<CatalogMessage | null>;
  let actions: Action[];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    deps = { ...ports, now: () => new Date('2026-11-24T10:00:00.000Z'), instanceId: 'p1' };
    messages = [];
    await ports.bus.subscribe<CatalogMessage | null>({ groupId: 'rec', topic: TOPICS.catalog, tombstones: true, decode: (v) => CatalogMessage.parse(v), handler: async (m) => void messages.push(m.value) });
    actions = await record<Action>(ports.bus, TOPICS.actions);
  });
  afterEach(() => ports.close());

  const ids = async () => (await ports.store.listCatalog()).map((e) => e.id);

  it('file mode: the catalog becomes the file, only the difference written and audited', async () => {
    await ports.store.putCatalogEntry(entry('api-added'));
    await ports.store.putCatalogEntry(entry('same'));
    await ports.store.putCatalogEntry(entry('edited', { interval: 30 }));
    const r = await syncCatalogFromFile(deps, { mode: 'file', entries: [entry('same'), entry('edited', { interval: 10 }), entry('new')] });
    expect(r.applied).toEqual({ added: ['new'], changed: ['edited'], removed: ['api-added'] });
    expect(await ids()).toEqual(['edited', 'new', 'same']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(messages.map((m) => (m ? m.entry.id : null))).toEqual(['new', 'edited', null]);
    expect(actions.map((a) => [a.action, a.serverId, a.actor])).toEqual([
      ['server.add', 'new', FILE_ACTOR],
      ['server.update', 'edited', FILE_ACTOR],
      ['server.remove', 'api-added', FILE_ACTOR],
    ]);
    expect(actions[1]?.details).toEqual({ fields: ['interval'] });
    expect((await ports.store.listAudit(10)).map((a) => a.action).sort()).toEqual(['server.add', 'server.remove', 'server.update']);
    // The same file again, by the same process: nothing differs, nothing is written.
    const again = await syncCatalogFromFile(deps, { mode: 'file', entries: [entry('same'), entry('edited', { interval: 10 }), entry('new')] });
    expect(again).toEqual({ applied: { added: [], changed: [], removed: [] } });
    expect(actions).toHaveLength(3);
  });

  it('one version of the file is applied by one process: the others skip it', async () => {
    const file = [entry('a')];
    const [first, second] = await Promise.all([
      syncCatalogFromFile({ ...deps, instanceId: 'p1' }, { mode: 'file', entries: file }),
      syncCatalogFromFile({ ...deps, instanceId: 'p2' }, { mode: 'file', entries: file }),
    ]);
    expect([first.skipped, second.skipped].filter((s) => s === 'lease_held')).toHaveLength(1);
    expect([...first.applied.added, ...second.applied.added]).toEqual(['a']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(actions.filter((a) => a.action === 'server.add')).toHaveLength(1);
    // A different version of the file (a rolling update) is not held up by that lease.
    const next = await syncCatalogFromFile({ ...deps, instanceId: 'p2' }, { mode: 'file', entries: [entry('a'), entry('b')] });
    expect(next.applied.added).toEqual(['b']);
  });

  it('api mode: the file seeds once; later starts leave the catalog alone', async () => {
    const r = await syncCatalogFromFile(deps, { mode: 'api', entries: [entry('seeded')] });
    expect(r.applied.added).toEqual(['seeded']);
    expect(await ports.store.catalogSeededAt()).toBe('2026-11-24T10:00:00.000Z');
    await ports.store.deleteCatalogEntry('seeded'); // removed through the API
    await ports.store.putCatalogEntry(entry('api-added'));
    const later = await syncCatalogFromFile({ ...deps, instanceId: 'restart' }, { mode: 'api', entries: [entry('seeded'), entry('other')] });
    expect(later.skipped).toBe('already_seeded');
    expect(await ids()).toEqual(['api-added']);
  });

  it('api mode reload: applies the edit between the two files and leaves API-added servers alone', async () => {
    await syncCatalogFromFile(deps, { mode: 'api', entries: [entry('a'), entry('b')] });
    await ports.store.putCatalogEntry(entry('api-added'));
    const r = await syncCatalogFromFile(deps, { mode: 'api', entries: [entry('a', { tags: ['x'] }), entry('c')], previous: [entry('a'), entry('b')] });
    expect(r.applied).toEqual({ added: ['c'], changed: ['a'], removed: ['b'] });
    expect(await ids()).toEqual(['a', 'api-added', 'c']);
  });
});
