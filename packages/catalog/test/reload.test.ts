import { EventEmitter } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TOPICS, type Action } from '@driftwatch/core';
import { createFileStore, type StatePort } from '@driftwatch/store';
import { createInProcessBus, type InProcessBus } from '@driftwatch/bus';
import { loadConfig } from '@driftwatch/runtime';
import { startLivingCatalog, type LivingCatalog, type SignalTarget } from '../src/index.js';
import { eventually } from '../../../test/support/embedded.js';

const server = (id: string, interval = 30) => `  - { id: ${id}, transport: stdio, command: node, interval: ${interval} }\n`;

describe('reloading the config file', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function setup(mode: 'file' | 'api', servers: string) {
    const dir = await mkdtemp(join(tmpdir(), 'dw-reload-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'driftwatch.yaml');
    await writeFile(path, `catalog: ${mode}\nservers:\n${servers}`);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
    const bus: InProcessBus = createInProcessBus({ logger });
    const store: StatePort = await createFileStore({ dir: join(dir, 'data'), logger });
    cleanup.push(() => store.close(), () => bus.close());
    const signals = new EventEmitter();
    const catalog: LivingCatalog = await startLivingCatalog({
      bus,
      store,
      logger,
      now: () => new Date(),
      instanceId: 'test',
      groupId: 'view',
      config: await loadConfig(path),
      configPath: path,
      signals: signals as unknown as SignalTarget,
      reloadDebounceMs: 50,
    });
    cleanup.push(() => catalog.close());
    const write = async (text: string) => {
      // As editors do: a new file renamed over the old one.
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    };
    return { path, catalog, store, bus, signals, lines, write };
  }

  it('file mode: a change to the file is applied without a signal, within the debounce', async () => {
    const t = await setup('file', server('a') + server('b'));
    expect(t.catalog.view.list().map((e) => e.id)).toEqual(['a', 'b']);
    await t.write(`catalog: file\nservers:\n${server('a', 5)}${server('c')}`);
    await eventually(() => t.catalog.view.list().map((e) => `${e.id}:${e.interval}`).join(',') === 'a:5,c:30', 5_000);
    expect((await t.store.listCatalog()).map((e) => e.id)).toEqual(['a', 'c']);
  });

  it('keeps the running catalog and logs one clear line when the reloaded file is bad', async () => {
    const t = await setup('file', server('a'));
    await t.write('catalog: file\nservers:\n  - { id: a, transport: stdio }\n  - { id: "bad id!", transport: http, url: nope }\n');
    await eventually(() => t.lines.some((l) => l.includes('config reload failed')), 5_000);
    const line = JSON.parse(t.lines.find((l) => l.includes('config reload failed'))!);
    expect(line.level).toBe(50);
    expect(line.msg).toMatch(/^config reload failed; keeping the running catalog: .*servers\[0\]\.command.*; .*servers\[1\]/);
    expect(line.msg).not.toContain('\n');
    expect(t.catalog.view.list().map((e) => e.id)).toEqual(['a']);
  });

  it('api mode: SIGHUP applies the file\'s own edit; servers added through the API stay', async () => {
    const t = await setup('api', server('a') + server('b'));
    const actions: Action[] = [];
    await t.bus.subscribe({ groupId: 'rec', topic: TOPICS.actions, decode: (v) => v as Action, handler: async (m) => void actions.push(m.value) });
    const { CatalogEntry } = await import('@driftwatch/core');
    await t.store.putCatalogEntry(CatalogEntry.parse({ id: 'from-api', transport: 'stdio', command: 'node' }));
    await t.write(`catalog: api\nservers:\n${server('a')}${server('new')}`);
    // No watch in api mode: only the signal reloads.
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.store.listCatalog()).map((e) => e.id)).toEqual(['a', 'b', 'from-api']);
    t.signals.emit('SIGHUP');
    await eventually(async () => (await t.store.listCatalog()).map((e) => e.id).join(',') === 'a,from-api,new', 5_000);
    await eventually(() => t.catalog.view.has('new') && !t.catalog.view.has('b'));
    expect(actions.map((a) => `${a.action}:${a.serverId}`).sort()).toEqual(['server.add:a', 'server.add:b', 'server.add:new', 'server.remove:b']);
  });
});
