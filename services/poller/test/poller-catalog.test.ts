import { afterEach, describe, expect, it } from 'vitest';
import { CatalogEntry, SnapshotMessage, TOPICS, type CatalogChange, type CatalogReader, type ServerConfig } from '@driftwatch/core';
import type { ProbeOptions, ProbeResult } from '@driftwatch/probe';
import { createPoller, type Poller } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const OK: ProbeResult = {
  ok: true,
  timings: { connectMs: 1, listMs: 1, totalMs: 2 },
  observation: {
    transport: { kind: 'stdio', protocolVersion: '2025-06-18' },
    serverInfo: { name: 'x', version: '1' },
    capabilities: { tools: {} },
    tools: [{ name: 't', description: 'd', inputSchema: { type: 'object' } }],
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
  },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const entry = (id: string, extra: Record<string, unknown> = {}) => CatalogEntry.parse({ id, transport: 'stdio', command: 'node', ...extra });

/** A catalog the test changes by hand, as the live view would when the topic says so. */
function liveCatalog(initial: CatalogEntry[] = []) {
  const entries = new Map(initial.map((e) => [e.id, e]));
  const listeners = new Set<(c: CatalogChange) => void>();
  const emit = (c: CatalogChange) => listeners.forEach((l) => l(c));
  const reader: CatalogReader = {
    list: () => [...entries.values()].sort((a, b) => a.id.localeCompare(b.id)),
    get: (id) => entries.get(id),
    has: (id) => entries.has(id),
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return {
    reader,
    put(e: CatalogEntry) {
      const previous = entries.get(e.id);
      entries.set(e.id, e);
      emit(previous ? { type: 'changed', id: e.id, entry: e, previous } : { type: 'added', id: e.id, entry: e });
    },
    remove(id: string) {
      const previous = entries.get(id)!;
      entries.delete(id);
      emit({ type: 'removed', id, previous });
    },
  };
}

describe('poller on the living catalog', () => {
  let ports: EmbeddedPorts;
  const pollers: Poller[] = [];
  afterEach(async () => {
    for (const p of pollers.splice(0)) await p.close();
    await ports.close();
  });

  async function start(catalog: CatalogReader, probe: (s: ServerConfig, o: ProbeOptions) => Promise<ProbeResult>, extra: Partial<Parameters<typeof createPoller>[0]> = {}) {
    const poller = createPoller({ ...ports, instanceId: 'a', maxClaimDelayMs: 0, catalog, probe, ...extra });
    pollers.push(poller);
    await poller.start();
    return poller;
  }

  it('polls a server added while it runs at once, not at its next slot', async () => {
    ports = await embeddedPorts({ servers: [] });
    const seen = await record<SnapshotMessage>(ports.bus, TOPICS.snapshots);
    const catalog = liveCatalog();
    await start(catalog.reader, async () => OK);
    await sleep(200);
    const added = Date.now();
    catalog.put(entry('fresh', { interval: 3600 }));
    await eventually(() => seen.some((m) => m.serverId === 'fresh'), 2_000);
    expect(Date.now() - added).toBeLessThan(1_000);
  });

  it('stops polling a removed server and discards the poll in flight, publishing nothing for it', async () => {
    ports = await embeddedPorts({ servers: [] });
    const seen = await record<SnapshotMessage>(ports.bus, TOPICS.snapshots);
    const catalog = liveCatalog([entry('keep', { interval: 1 }), entry('gone', { interval: 1 })]);
    let goneStarted = 0;
    // A probe that ignores the abort and answers late: its answer must still not be published.
    await start(catalog.reader, async (s) => {
      if (s.id === 'gone') {
        goneStarted++;
        await sleep(800);
      }
      return OK;
    });
    await eventually(() => goneStarted === 1, 5_000);
    catalog.remove('gone');
    const removedAt = Date.now();
    await sleep(2_500);
    expect(goneStarted).toBe(1);
    expect(seen.filter((m) => m.serverId === 'gone')).toEqual([]);
    expect(seen.filter((m) => m.serverId === 'keep' && Date.parse(m.time) > removedAt).length).toBeGreaterThanOrEqual(1);
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_polls_skipped_total')).toMatch(/reason="removed"\} 1/);
  });

  it('re-schedules on an interval change and re-probes at once on a transport change', async () => {
    ports = await embeddedPorts({ servers: [] });
    const polls: Array<{ args: string[]; at: number }> = [];
    const catalog = liveCatalog([entry('s', { interval: 3600 })]);
    await start(catalog.reader, async (s, opts) => {
      polls.push({ args: s.transport === 'stdio' ? s.args : [], at: Date.now() });
      // The poll under v2 hangs until aborted, as a real probe does (it kills its server): it is the
      // one the next change discards.
      if (s.transport === 'stdio' && s.args[0] === 'v2') {
        await new Promise<void>((r) => opts.signal?.addEventListener('abort', () => r()));
        return { ok: false, code: 'internal', reason: 'probe aborted', timings: {} };
      }
      return OK;
    });
    const seen = await record<SnapshotMessage>(ports.bus, TOPICS.snapshots);
    catalog.put(entry('s', { interval: 1 }));
    // From one poll an hour to one a second: a second poll within seconds (under the old interval
    // it would come in an hour). Waited for, not slept on: a busy machine runs the slot late.
    await eventually(() => polls.length >= 2, 6_000);
    const before = polls.length;
    catalog.put(entry('s', { interval: 1, args: ['v2'] }));
    await eventually(() => polls.some((p) => p.args[0] === 'v2'), 2_000);
    catalog.put(entry('s', { interval: 1, args: ['v3'] }));
    await eventually(() => polls.some((p) => p.args[0] === 'v3'), 2_000);
    expect(polls.length).toBeGreaterThan(before);
    // What the v2 poll saw (describing a definition that is gone) was never published.
    await eventually(() => seen.some((m) => m.type === 'snapshot' && Date.parse(m.time) >= polls.find((p) => p.args[0] === 'v3')!.at - 5));
    expect(seen.filter((m) => m.type === 'probe_failure')).toEqual([]);
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_polls_skipped_total')).toMatch(/reason="changed"\} 1/);
  });

  it('resolves references just before the probe, and publishes a config_error failure when it cannot', async () => {
    ports = await embeddedPorts({ servers: [] });
    const seen = await record<SnapshotMessage>(ports.bus, TOPICS.snapshots);
    const catalog = liveCatalog([entry('ok', { env: { TOKEN: '${TOKEN}' } }), entry('broken', { env: { TOKEN: '${MISSING}' } })]);
    const probed: ServerConfig[] = [];
    await start(
      catalog.reader,
      async (s) => {
        probed.push(s);
        return OK;
      },
      {
        resolve: (e) =>
          e.id === 'ok' ? { ok: true, server: { ...e, env: { TOKEN: 'resolved' } } as ServerConfig } : { ok: false, reason: 'credential reference not resolved: env.TOKEN: environment variable MISSING is not set' },
      },
    );
    catalog.put(entry('ok2'));
    const poller = pollers[0]!;
    await poller.pollNow('ok');
    await poller.pollNow('broken');
    const failure = seen.find((m) => m.serverId === 'broken');
    expect(failure).toMatchObject({ type: 'probe_failure', code: 'config_error', reason: expect.stringContaining('MISSING is not set') });
    expect(probed.find((s) => s.id === 'ok')).toMatchObject({ env: { TOKEN: 'resolved' } });
    expect(probed.some((s) => s.id === 'broken')).toBe(false);
  });
});
