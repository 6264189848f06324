import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotMessage, TOPICS, type ServerConfig } from '@driftwatch/core';
import type { ProbeResult } from '@driftwatch/probe';
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
    await eventually(() => seen.length >= 2);
    const messages = seen.map((m) => SnapshotMessage.parse(m));
    const good = messages.find((m) => m.serverId === 'good');
    const bad = messages.find((m) => m.serverId === 'bad');
    expect(good?.type).toBe('snapshot');
    expect(good?.type === 'snapshot' && good.fingerprints.tools.t).toBeDefined();
    expect(bad).toMatchObject({ type: 'probe_failure', code: 'timeout', reason: 'no answer' });
    const metrics = await ports.metrics.registry.metrics();
    expect(metrics).toMatch(/driftwatch_polls_total\{server="good",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/driftwatch_poll_errors_total\{server="bad",code="timeout"\} [1-9]/);
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
    await sleep(3_500);
    expect(maxRunning).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_polls_skipped_total')).toMatch(/reason="in_flight"\} [1-9]/);
  });

  it('shares the fleet between replicas: each server polled once per slot', async () => {
    ports = await embeddedPorts({
      servers: Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, transport: 'stdio', command: 'node', interval: 1 })),
    });
    const polls: Array<{ instance: string; server: string; at: number }> = [];
    const make = (instance: string) =>
      createPoller({
        ...ports,
        instanceId: instance,
        probe: async (s) => {
          polls.push({ instance, server: s.id, at: Date.now() });
          return OK;
        },
      });
    const a = make('replica-a');
    const b = make('replica-b');
    pollers.push(a, b);
    a.start();
    b.start();
    await sleep(3_200);
    await a.close();
    await b.close();
    const seen = await record<{ pollId: string }>(ports.bus, TOPICS.snapshots);
    await eventually(() => seen.length === polls.length);
    const pollIds = seen.map((m) => m.pollId);
    expect(new Set(pollIds).size).toBe(pollIds.length); // no (server, slot) twice
    expect(new Set(polls.map((p) => p.instance)).size).toBe(2); // both replicas worked
    // 6 servers × ~3 slots each, split between the replicas.
    expect(polls.length).toBeGreaterThanOrEqual(12);
    expect(polls.length).toBeLessThanOrEqual(6 * 5);
  });

  it('finishes an in-flight poll and publishes it before close() resolves', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'x', transport: 'stdio', command: 'node', interval: 60 }] });
    const seen = await record(ports.bus, TOPICS.snapshots);
    let started = false;
    const poller = createPoller({
      ...ports,
      instanceId: 'a',
      probe: async () => {
        started = true;
        await sleep(500);
        return OK;
      },
    });
    poller.start();
    await eventually(() => started);
    await poller.close();
    await eventually(() => seen.length === 1, 1_000);
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
