import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../src/index.js';
import { busContract, type BusUnderTest, type ContractHarness } from './contract.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let counter = 0;

const harness = (): ContractHarness => ({
  create: (options) => {
    const dlq: BusUnderTest['dlq'] = [];
    const bus = createInProcessBus({ logger, ...options, onDlq: (topic, reason) => dlq.push({ topic, reason }) });
    return { bus, dlq };
  },
  // One process, one bus: group members share it.
  peer: (of) => of,
  topic: async (bus, prefix) => {
    const topic = `${prefix}.${++counter}`;
    await bus.ensureTopics([topic]);
    return topic;
  },
  group: (prefix) => `${prefix}-${++counter}`,
  timeoutMs: 5_000,
  quietMs: 100,
});

busContract('in-process', harness);

describe('in-process bus specifics', () => {
  it('bounds what it retains and what a lagging group holds by bytes, dropping the oldest', async () => {
    const bus = createInProcessBus({ logger, retainBytes: 3_000, queueBytes: 3_000 });
    for (let n = 0; n < 10; n++) await bus.publish('t', 'k', { n, pad: 'x'.repeat(900) });
    const got: number[] = [];
    await bus.subscribe({ groupId: 'late', topic: 't', decode: (v) => v as { n: number }, handler: async (m) => void got.push(m.value.n) });
    await bus.close();
    // About 3 KB of ~930-byte messages: only the newest few survive.
    expect(got).toEqual([7, 8, 9]);
  });

  it('hands out urgent keys ahead of the others, keeping each key in publish order', async () => {
    const bus = createInProcessBus({ logger, concurrency: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: string[] = [];
    const urgent = new Set(['known']);
    await bus.subscribe({
      groupId: 'g',
      topic: 't',
      decode: (v) => v as { n: number },
      urgent: (key) => urgent.has(key),
      handler: async (m) => {
        got.push(`${m.key}:${m.value.n}`);
        if (m.key === 'blocker') await gate;
      },
    });
    // One message in flight; behind it a backlog of first sights, then two of a known key.
    await bus.publish('t', 'blocker', { n: 0 });
    for (let i = 0; i < 5; i++) await bus.publish('t', `new${i}`, { n: 0 });
    await bus.publish('t', 'known', { n: 1 });
    await bus.publish('t', 'known', { n: 2 });
    release();
    await bus.close();
    expect(got).toEqual(['blocker:0', 'known:1', 'known:2', 'new0:0', 'new1:0', 'new2:0', 'new3:0', 'new4:0']);
  });

  it('treats a key as ordinary when the urgency check throws', async () => {
    const bus = createInProcessBus({ logger, concurrency: 1 });
    const got: string[] = [];
    await bus.subscribe({ groupId: 'g', topic: 't', decode: (v) => v, urgent: () => { throw new Error('boom'); }, handler: async (m) => void got.push(m.key) });
    for (const k of ['a', 'b', 'c']) await bus.publish('t', k, {});
    await bus.close();
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it("reports how full the slowest group's queue is (pressure), by count or bytes, falling as it catches up", async () => {
    const bus = createInProcessBus({ logger, retainPerTopic: 10, queueBytes: 1_000_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({ groupId: 'fast', topic: 't', decode: (v) => v, handler: async () => {} });
    await bus.subscribe({ groupId: 'slow', topic: 't', decode: (v) => v, handler: () => gate });
    expect(bus.pressure('t')).toBe(0);
    // One key: the slow group holds one in flight and queues the rest.
    for (let n = 0; n < 6; n++) await bus.publish('t', 'k', { n });
    expect(bus.pressure('t')).toBeCloseTo(0.5, 5);
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(bus.pressure('t')).toBe(0);
    expect(bus.pressure('other')).toBe(0);
    await bus.close();
  });

  it('gives a group that subscribes later the retained messages (fromBeginning), or only new ones', async () => {
    const bus = createInProcessBus({ logger });
    await bus.publish('t', 'k', { n: 1 });
    const early: unknown[] = [];
    const late: unknown[] = [];
    await bus.subscribe({ groupId: 'early', topic: 't', decode: (v) => v, handler: async (m) => void early.push(m.value) });
    await bus.subscribe({ groupId: 'late', topic: 't', decode: (v) => v, fromBeginning: false, handler: async (m) => void late.push(m.value) });
    await bus.publish('t', 'k', { n: 2 });
    await bus.close();
    expect(early).toEqual([{ n: 1 }, { n: 2 }]);
    expect(late).toEqual([{ n: 2 }]);
  });

  it('keeps messages for a group with no member until one subscribes', async () => {
    const bus = createInProcessBus({ logger });
    const first = await bus.subscribe({ groupId: 'g', topic: 't', decode: (v) => v, handler: async () => {} });
    await first.close();
    await bus.publish('t', 'k', { n: 1 });
    const got: unknown[] = [];
    await bus.subscribe({ groupId: 'g', topic: 't', decode: (v) => v, handler: async (m) => void got.push(m.value) });
    await bus.close();
    expect(got).toEqual([{ n: 1 }]);
  });

  it('drains on close: results that handlers publish while draining are delivered too', async () => {
    const bus = createInProcessBus({ logger });
    const results: unknown[] = [];
    await bus.subscribe({
      groupId: 'differ',
      topic: 'snapshots',
      decode: (v) => v as { n: number },
      handler: async (m) => {
        await new Promise((r) => setTimeout(r, 5));
        await bus.publish('alerts', m.key, { alertFor: m.value.n });
      },
    });
    await bus.subscribe({ groupId: 'responder', topic: 'alerts', decode: (v) => v, handler: async (m) => void results.push(m.value) });
    for (let n = 0; n < 10; n++) await bus.publish('snapshots', `s${n % 3}`, { n });
    await bus.close();
    expect(results).toHaveLength(10);
    await expect(bus.subscribe({ groupId: 'x', topic: 't', decode: (v) => v, handler: async () => {} })).rejects.toThrow(/closed/);
  });
});
