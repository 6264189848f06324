import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogEntry, TOPICS, makeCatalogMessage, type CatalogChange } from '@driftwatch/core';
import { createCatalogView, publishEntry, publishRemoval, type CatalogView } from '../src/index.js';
import { embeddedPorts, eventually, type EmbeddedPorts } from '../../../test/support/embedded.js';

const entry = (id: string, extra: Record<string, unknown> = {}) => CatalogEntry.parse({ id, transport: 'stdio', command: 'node', ...extra });
const now = () => new Date('2026-11-24T10:00:00.000Z');

describe('catalog view', () => {
  let ports: EmbeddedPorts;
  const views: CatalogView[] = [];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
  });
  afterEach(async () => {
    for (const v of views.splice(0)) await v.close();
    await ports.close();
  });

  function view(group: string, resyncMs?: number): CatalogView {
    const v = createCatalogView({ store: ports.store, bus: ports.bus, logger: ports.logger, groupId: group, ...(resyncMs ? { resyncMs } : {}) });
    views.push(v);
    return v;
  }

  it('loads the store at start, then applies additions, changes and removals from the topic', async () => {
    const deps = { ...ports, now };
    await publishEntry(deps, entry('a'));
    const v = view('view-1');
    const changes: CatalogChange[] = [];
    v.onChange((c) => changes.push(c));
    await v.start();
    expect(v.list().map((e) => e.id)).toEqual(['a']);

    await publishEntry(deps, entry('b', { interval: 5 }));
    await eventually(() => v.has('b'));
    await publishEntry(deps, entry('a', { tags: ['prod'] }));
    await eventually(() => v.get('a')?.tags.length === 1);
    await publishRemoval(deps, 'b');
    await eventually(() => !v.has('b'));
    expect(changes.map((c) => [c.type, c.id])).toEqual([
      ['added', 'a'],
      ['added', 'b'],
      ['changed', 'a'],
      ['removed', 'b'],
    ]);
    expect(v.list().map((e) => e.id)).toEqual(['a']);
  });

  it('never goes back in time when it replays old records: it applies what the store holds now', async () => {
    const deps = { ...ports, now };
    // History on the topic: a added, changed, removed, re-added with interval 7.
    await publishEntry(deps, entry('a', { interval: 30 }));
    await publishEntry(deps, entry('a', { interval: 40 }));
    await publishRemoval(deps, 'a');
    await publishEntry(deps, entry('a', { interval: 7 }));
    const v = view('late-view');
    const changes: CatalogChange[] = [];
    v.onChange((c) => changes.push(c));
    await v.start();
    // One more change on the same key: once it shows, every older record of the key was handled.
    await publishEntry(deps, entry('a', { interval: 8 }));
    await eventually(() => v.get('a')?.interval === 8);
    // The replay of the whole history (a new group reads from the beginning) never applied an old version.
    expect(changes.map((c) => [c.type, c.id, c.type === 'removed' ? null : c.entry.interval])).toEqual([
      ['added', 'a', 7],
      ['changed', 'a', 8],
    ]);
  });

  it('a resync catches a change whose message was never published', async () => {
    const v = view('resync', 100);
    await v.start();
    await ports.store.putCatalogEntry(entry('quiet'));
    await eventually(() => v.has('quiet'), 3_000);
    await ports.store.deleteCatalogEntry('quiet');
    await eventually(() => !v.has('quiet'), 3_000);
  });

  it('asks before each resync, and keeps its servers while the store is being rebuilt (an emptied Redis is not a removed fleet)', async () => {
    await ports.store.putCatalogEntry(entry('kept'));
    let rebuilt = true;
    let asked = 0;
    const v = createCatalogView({
      store: ports.store,
      bus: ports.bus,
      logger: ports.logger,
      groupId: 'rebuild',
      resyncMs: 100,
      beforeResync: async () => {
        asked++;
        if (!rebuilt) throw new Error('store lost; rebuilding');
      },
    });
    views.push(v);
    await v.start();
    expect(v.has('kept')).toBe(true);
    // The store loses everything; until it is rebuilt, resyncs are skipped, not applied.
    rebuilt = false;
    await ports.store.deleteCatalogEntry('kept');
    const before = asked;
    await eventually(() => asked >= before + 3, 3_000);
    expect(v.has('kept')).toBe(true);
    // Rebuilt (here: the entry is back, plus one more): the next resync reads it.
    await ports.store.putCatalogEntry(entry('kept'));
    await ports.store.putCatalogEntry(entry('new'));
    rebuilt = true;
    await eventually(() => v.has('new'), 3_000);
    expect(v.has('kept')).toBe(true);
  });

  it('a listener that throws does not stop the others', async () => {
    const v = view('listeners');
    const seen: string[] = [];
    v.onChange(() => {
      throw new Error('bug');
    });
    v.onChange((c) => seen.push(c.id));
    await v.start();
    await publishEntry({ ...ports, now }, entry('x'));
    await eventually(() => seen.includes('x'));
  });

  it('ignores messages for servers its store does not hold (another deployment on the same topic)', async () => {
    const v = view('foreign');
    await v.start();
    await ports.bus.publish(TOPICS.catalog, 'stranger', makeCatalogMessage(entry('stranger'), now().toISOString()));
    await new Promise((r) => setTimeout(r, 100));
    expect(v.has('stranger')).toBe(false);
  });
});
