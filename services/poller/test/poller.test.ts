import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotMessage, TOPICS, type ServerConfig } from '@driftwatch/core';
import type { ProbeResult } from '@driftwatch/probe';
import { createPoller, inlineRunner, type Poller } from '../src/index.js';
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

/** True once the poller has started a probe (its lag histogram has an observation). */
async function probeStarted(ports: EmbeddedPorts): Promise<boolean> {
  return /driftwatch_poll_lag_seconds_count [1-9]/.test(await ports.metrics.registry.metrics());
}

describe('poller', () => {
  let ports: EmbeddedPorts;
  const pollers: Poller[] = [];
  afterEach(async () => {
    for (const p of pollers.splice(0)) await p.close();
    await ports.close();
  });

  it('publishes one valid snapshot per poll, or a probe failure, keyed by server id', async () => {
    ports = await embeddedPorts({
      servers: [
        { id: 'good', transport: 'stdio', command: 'node', interval: 1 },
        { id: 'bad', transport: 'stdio', command: 'node', interval: 1 },
      ],
    });
    const seen = await record<unknown>(ports.bus, TOPICS.snapshots);
    const probe = async (s: ServerConfig): Promise<ProbeResult> => (s.id === 'good' ? OK : { ok: false, code: 'timeout', reason: 'no answer', timings: {} });
    const poller = createPoller({ ...ports, instanceId: 'a', probe });
    pollers.push(poller);
    poller.start();
    await eventually(() => new Set(seen.map((m) => (m as { serverId: string }).serverId)).size === 2);
    const messages = seen.map((m) => SnapshotMessage.parse(m));
    const good = messages.find((m) => m.serverId === 'good');
    const bad = messages.find((m) => m.serverId === 'bad');
    expect(good?.type).toBe('snapshot');
    expect(good?.type === 'snapshot' && good.fingerprints.tools.t).toBeDefined();
    expect(bad).toMatchObject({ type: 'probe_failure', code: 'timeout', reason: 'no answer' });
    const metrics = await ports.metrics.registry.metrics();
    // Counted per outcome and code, never per server (fleet scale): which server failed is in the messages above.
    expect(metrics).toMatch(/driftwatch_polls_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/driftwatch_poll_errors_total\{code="timeout"\} [1-9]/);
  });

  it('never polls one server twice at once, even when a probe outlasts the interval', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'slow', transport: 'stdio', command: 'node', interval: 1 }] });
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const probe = async (): Promise<ProbeResult> => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(2_300);
      running--;
      return OK;
    };
    const poller = createPoller({ ...ports, instanceId: 'a', probe });
    pollers.push(poller);
    poller.start();
    await sleep(4_500);
    expect(maxRunning).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_polls_skipped_total')).toMatch(/reason="in_flight"\} [1-9]/);
  });

  it('polls a slot that began during the previous poll as soon as it ends, instead of skipping it', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'steady', transport: 'stdio', command: 'node', interval: 1 }] });
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = [];
    const poller = createPoller({
      ...ports,
      instanceId: 'a',
      probe: async () => {
        starts.push(Date.now());
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(1_300);
        running--;
        return OK;
      },
    });
    pollers.push(poller);
    await poller.start();
    await sleep(5_500);
    expect(maxRunning).toBe(1);
    // Skipping every slot a poll overlaps would give 3 polls (slots 0, 2, 4); back to back gives 4 or more.
    expect(starts.length).toBeGreaterThanOrEqual(4);
    // Back to back: each next poll starts within a tick of the previous one's end.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeLessThan(1_300 + 700);
  });

  /** Two pollers sharing the ports' store and bus for `ms`; every poll as (replica, server). */
  async function runTwoReplicas(ms: number): Promise<Array<{ instance: string; server: string }>> {
    const polls: Array<{ instance: string; server: string }> = [];
    const make = (instance: string) =>
      createPoller({
        ...ports,
        instanceId: instance,
        probe: async (s) => {
          polls.push({ instance, server: s.id });
          return OK;
        },
      });
    const a = make('replica-a');
    const b = make('replica-b');
    pollers.push(a, b);
    void a.start();
    void b.start();
    await sleep(ms);
    await a.close();
    await b.close();
    return polls;
  }

  it('shares the fleet between replicas: each server polled once per slot', async () => {
    ports = await embeddedPorts({
      servers: Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, transport: 'stdio', command: 'node', interval: 1 })),
    });
    const polls = await runTwoReplicas(3_200);
    const seen = await record<{ pollId: string }>(ports.bus, TOPICS.snapshots);
    await eventually(() => seen.length === polls.length);
    const pollIds = seen.map((m) => m.pollId);
    expect(new Set(pollIds).size).toBe(pollIds.length); // no (server, slot) twice
    expect(new Set(polls.map((p) => p.instance)).size).toBe(2); // both replicas worked
    // 6 servers × ~3 slots each, split between the replicas.
    expect(polls.length).toBeGreaterThanOrEqual(12);
    expect(polls.length).toBeLessThanOrEqual(6 * 5);
  });

  it('has one replica poll a kept-connected stdio server in every slot, so its process lives on one replica', async () => {
    ports = await embeddedPorts({
      servers: Array.from({ length: 6 }, (_, i) => ({ id: `k${i}`, transport: 'stdio', command: 'node', interval: 1, keepConnected: true })),
    });
    const polls = await runTwoReplicas(4_200);
    const byServer = new Map<string, Map<string, number>>();
    for (const p of polls) {
      const counts = byServer.get(p.server) ?? new Map<string, number>();
      counts.set(p.instance, (counts.get(p.instance) ?? 0) + 1);
      byServer.set(p.server, counts);
    }
    expect(byServer.size).toBe(6);
    // Stickiness is an order of claims, not a lock: a replica whose timer fires late on a loaded
    // machine can lose one slot to the other. Polls by a server's minority replica, summed over the
    // six servers: a coin toss per slot (no stickiness) makes ~7 of ~20; sticky claims make 0, and
    // at most 2 here tolerates a late timer or two without hiding a return to coin tossing.
    const minority = (counts: Map<string, number>) => (counts.size > 1 ? Math.min(...counts.values()) : 0);
    const foreign = [...byServer.values()].reduce((sum, counts) => sum + minority(counts), 0);
    expect(foreign).toBeLessThanOrEqual(2);
    // Several slots each, and the fleet still shared between the replicas.
    expect(polls.length).toBeGreaterThanOrEqual(18);
    expect(new Set(polls.map((p) => p.instance)).size).toBe(2);
  });

  it('keeps a slow kept-connected server on its session\'s thread, and isolates a slow or failing other one', async () => {
    ports = await embeddedPorts({
      servers: [
        { id: 'kept', transport: 'stdio', command: 'node', interval: 1, timeout: 1, keepConnected: true },
        { id: 'plain', transport: 'stdio', command: 'node', interval: 1, timeout: 1 },
      ],
    });
    const calls: Array<{ server: string; isolate: boolean }> = [];
    const inline = inlineRunner(async () => {
      // Over half the timeout: the poll counts as heavy (slow), which puts a server on probation.
      await sleep(600);
      return OK;
    });
    const runner = { ...inline, poll: (task: Parameters<typeof inline.poll>[0], signal: AbortSignal, o?: { isolate?: boolean }) => {
      calls.push({ server: task.server.id, isolate: o?.isolate === true });
      return inline.poll(task, signal, o);
    } };
    const poller = createPoller({ ...ports, instanceId: 'a', maxClaimDelayMs: 0, runner });
    pollers.push(poller);
    await poller.start();
    await eventually(() => calls.filter((c) => c.server === 'plain').length >= 2 && calls.filter((c) => c.server === 'kept').length >= 2, 10_000);
    await poller.close();
    expect(calls.filter((c) => c.server === 'kept').map((c) => c.isolate)).not.toContain(true);
    expect(calls.filter((c) => c.server === 'plain').slice(1).map((c) => c.isolate)).toContain(true);
  });

  it('aborts an in-flight poll on close(), kills nothing it should not, and publishes nothing for it', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'x', transport: 'stdio', command: 'node', interval: 2 }] });
    const seen = await record(ports.bus, TOPICS.snapshots);
    let sawAbort = false;
    const poller = createPoller({
      ...ports,
      instanceId: 'a',
      probe: (_s, opts) =>
        new Promise<ProbeResult>((resolve) => {
          // A real probe ends early on abort (and kills its server); this one says it did.
          opts.signal?.addEventListener('abort', () => {
            sawAbort = true;
            resolve({ ok: false, code: 'internal', reason: 'probe aborted', timings: {} });
          });
        }),
    });
    poller.start();
    await eventually(() => probeStarted(ports));
    const started = performance.now();
    await poller.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sawAbort).toBe(true);
    await sleep(100);
    expect(seen).toHaveLength(0);
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_polls_skipped_total')).toMatch(/reason="shutdown"\} 1/);
  });

  it('keeps polling a healthy server while ten others hang, and backs the hanging ones off', async () => {
    const hanging = Array.from({ length: 10 }, (_, i) => ({ id: `hang${i}`, transport: 'stdio', command: 'node', interval: 1, timeout: 1 }));
    ports = await embeddedPorts({ servers: [{ id: 'good', transport: 'stdio', command: 'node', interval: 1 }, ...hanging] });
    const goodPolls: number[] = [];
    const poller = createPoller({
      ...ports,
      instanceId: 'a',
      maxConcurrentProbes: 4,
      probe: async (s, opts) => {
        if (s.id === 'good') {
          goodPolls.push(Date.now());
          return OK;
        }
        // Hangs for its whole timeout, like a server that never answers.
        await new Promise((r) => {
          const t = setTimeout(r, opts.timeoutMs);
          opts.signal?.addEventListener('abort', () => (clearTimeout(t), r(undefined)));
        });
        return { ok: false, code: 'timeout', reason: 'no answer', timings: {} };
      },
    });
    pollers.push(poller);
    const started = Date.now();
    poller.start();
    await sleep(6_200);
    const seconds = Math.floor((Date.now() - started) / 1000);
    // One poll per 1 s slot is scheduled; with 10 hanging servers and 4 slots it must still run.
    expect(goodPolls.length).toBeGreaterThanOrEqual(Math.floor(seconds * 0.95) - 1);
    const metrics = await ports.metrics.registry.metrics();
    expect(metrics).toMatch(/driftwatch_polls_skipped_total\{reason="backoff"\} [1-9]/);
    expect(metrics).toMatch(/driftwatch_poll_lag_seconds_count [1-9]/);
  });

  it('skips new polls (counted as backpressure) while the snapshot consumers are behind, and resumes when they catch up', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'a', transport: 'stdio', command: 'node', interval: 1 }] });
    const seen = await record<unknown>(ports.bus, TOPICS.snapshots);
    let pressure = 0.9;
    const bus = Object.assign(Object.create(ports.bus) as typeof ports.bus, { pressure: () => pressure });
    const poller = createPoller({ ...ports, bus, instanceId: 'a', probe: async () => OK, maxClaimDelayMs: 0 });
    pollers.push(poller);
    await poller.start();
    await eventually(async () => /driftwatch_polls_skipped_total\{reason="backpressure"\} [2-9]/.test(await ports.metrics.registry.metrics()), 6_000);
    expect(seen).toEqual([]);
    pressure = 0.1;
    await eventually(() => seen.length > 0, 6_000);
  });

  it('while the consumers are behind, holds back first polls but keeps polling servers it has published (all past 90 %)', async () => {
    ports = await embeddedPorts({
      servers: [
        { id: 'known', transport: 'stdio', command: 'node', interval: 1 },
        { id: 'fresh', transport: 'stdio', command: 'node', interval: 1 },
      ],
    });
    const seen = await record<{ serverId: string }>(ports.bus, TOPICS.snapshots);
    let pressure = 0.6;
    const bus = Object.assign(Object.create(ports.bus) as typeof ports.bus, { pressure: () => pressure });
    const poller = createPoller({ ...ports, bus, instanceId: 'a', probe: async () => OK, maxClaimDelayMs: 0 });
    pollers.push(poller);
    await poller.pollNow('known');
    await poller.start();
    await eventually(() => seen.filter((m) => m.serverId === 'known').length >= 3, 8_000);
    expect(seen.filter((m) => m.serverId === 'fresh')).toEqual([]);
    expect(await ports.metrics.registry.metrics()).toMatch(/driftwatch_polls_skipped_total\{reason="backpressure"\} [1-9]/);
    pressure = 0.95;
    // A poll that passed the check just before is let finish first.
    await new Promise((r) => setTimeout(r, 300));
    const at = seen.length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(seen.length).toBe(at);
    pressure = 0.1;
    await eventually(() => seen.some((m) => m.serverId === 'fresh'), 8_000);
  });

  it('checks its options up front', async () => {
    ports = await embeddedPorts({ servers: [] });
    expect(() => createPoller({ ...ports, instanceId: 'a', probe: async () => OK, maxConcurrentProbes: 0 })).toThrow(/maxConcurrentProbes must be an integer ≥ 1/);
  });

  it('reports a snapshot too large for the bus as a too_large probe failure', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'huge', transport: 'stdio', command: 'node', interval: 60 }] });
    const seen = await record<{ type: string; code?: string }>(ports.bus, TOPICS.snapshots);
    const big = 'x'.repeat(60_000);
    const tools = Array.from({ length: 200 }, (_, i) => ({ name: `t${i}`, description: big, inputSchema: { type: 'object' } }));
    const poller = createPoller({ ...ports, instanceId: 'a', probe: async () => ({ ...OK, observation: { ...(OK as Extract<ProbeResult, { ok: true }>).observation, tools } }) });
    pollers.push(poller);
    await poller.pollNow('huge');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'probe_failure', code: 'too_large' });
  });
});
