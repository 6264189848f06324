import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS, dlqTopic } from '@driftwatch/core';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../../../test/infra/env.js';
import { createKafkaBus, type KafkaBus } from '../src/index.js';
import { busContract, waitFor, type BusUnderTest, type ContractHarness } from './contract.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

function kafkaBus(options: { retries?: number; retryBackoffMs?: number; onDlq?: (t: string, r: string) => void } = {}): KafkaBus {
  return createKafkaBus({
    brokers: kafkaBrokers(),
    clientId: uniqueName('bus-test'),
    logger,
    // Short sessions: a member that died is replaced within seconds, not half a minute.
    sessionTimeoutMs: 6000,
    ...options,
  });
}

const harness = (): ContractHarness => {
  const create = (options?: { retries?: number; retryBackoffMs?: number }): BusUnderTest => {
    const dlq: BusUnderTest['dlq'] = [];
    return { bus: kafkaBus({ ...options, onDlq: (topic, reason) => dlq.push({ topic, reason }) }), dlq };
  };
  return {
    create,
    // A second member is a second client, as a second replica of a service would be.
    peer: (_of, options) => create(options),
    topic: async (bus, prefix) => {
      const topic = uniqueName(prefix);
      await bus.ensureTopics([topic]);
      return topic;
    },
    group: (prefix) => uniqueName(prefix),
    timeoutMs: 60_000,
    quietMs: 1500,
  };
};

busContract('kafka', harness);

describe('kafka bus specifics', () => {
  const buses: KafkaBus[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(buses.map((b) => b.close()));
  });

  it('creates topics and their DLQs with the configured partitions, baselines compacted, idempotently', async () => {
    const bus = kafkaBus();
    buses.push(bus);
    const events = uniqueName('events');
    // The real baselines topic name: the broker is this test run's own, so creating it is safe.
    await bus.ensureTopics([events, TOPICS.baselines]);
    await bus.ensureTopics([events, TOPICS.baselines]);

    const admin = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [events, dlqTopic(events), TOPICS.baselines, dlqTopic(TOPICS.baselines)] });
      for (const t of meta.topics) expect(t.partitions).toHaveLength(6);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: TOPICS.baselines },
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: events },
        ],
      });
      const value = (topic: string, name: string): string | undefined =>
        configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((e) => e.configName === name)?.configValue;
      expect(value(TOPICS.baselines, 'cleanup.policy')).toBe('compact');
      expect(value(events, 'cleanup.policy')).toBe('delete');
      expect(Number(value(events, 'max.message.bytes'))).toBeGreaterThan(10 * 1024 * 1024);
    } finally {
      await admin.disconnect();
    }
  });

  it('redelivers to a new member what a member took and never committed before its process died', async () => {
    const bus = kafkaBus();
    buses.push(bus);
    const topic = uniqueName('crash');
    const group = uniqueName('crash');
    await bus.ensureTopics([topic]);

    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'crashing-member.ts'), kafkaBrokers().join(','), topic, group], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
    });
    await waitFor('the member to subscribe', () => out.includes('subscribed'), 60_000);
    await bus.publish(topic, 'srv-crash', { n: 1 });
    await waitFor('the member to take the message', () => out.includes('got srv-crash'), 60_000);
    child.kill('SIGKILL');

    const got: { key: string; offset: string | undefined }[] = [];
    await bus.subscribe({ groupId: group, topic, decode: (v) => v, handler: async (m) => void got.push({ key: m.key, offset: m.offset }) });
    await waitFor('redelivery to the new member', () => got.length > 0, 60_000);
    expect(got[0]?.key).toBe('srv-crash');
    expect(out).toContain(`got srv-crash ${got[0]?.offset}`);
  });

  it('handles two keys of one partition at once, each key in order, and commits the batch', async () => {
    const bus = createKafkaBus({ brokers: kafkaBrokers(), clientId: uniqueName('batch'), logger, sessionTimeoutMs: 6000, partitions: 1 });
    buses.push(bus);
    const topic = uniqueName('batch');
    const groupId = uniqueName('batch-group');
    await bus.ensureTopics([topic]);
    // Published before anyone consumes, so that one fetch brings them as one batch.
    for (const [key, n] of [['a', 1], ['b', 1], ['a', 2], ['b', 2]] as const) await bus.publish(topic, key, { n });
    const log: string[] = [];
    let releaseA!: () => void;
    const bStarted = new Promise<void>((r) => (releaseA = r));
    const sub = await bus.subscribe({
      groupId,
      topic,
      decode: (v) => v as { n: number },
      handler: async (m) => {
        log.push(`start ${m.key}${m.value.n}`);
        // a1 waits for b1 to start: with one message of the partition at a time it never would.
        if (m.key === 'a' && m.value.n === 1) await Promise.race([bStarted, new Promise((r) => setTimeout(r, 20_000))]);
        if (m.key === 'b' && m.value.n === 1) releaseA();
        log.push(`end ${m.key}${m.value.n}`);
      },
    });
    await waitFor('all four handled', () => log.filter((l) => l.startsWith('end')).length === 4, 60_000);
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b2')).toBeGreaterThan(log.indexOf('end b1'));
    await sub.close();
    // Committed: the group's next member gets nothing again.
    const again: string[] = [];
    const next = await bus.subscribe({ groupId, topic, decode: (v) => v, handler: async (m) => void again.push(m.key) });
    await new Promise((r) => setTimeout(r, 3_000));
    await next.close();
    expect(again).toEqual([]);
  });

  it("measures a watched group's lag as pressure, and it falls once the group consumes", async () => {
    const topic = uniqueName('lag');
    const groupId = uniqueName('lag-group');
    const measured: number[] = [];
    const bus = createKafkaBus({
      brokers: kafkaBrokers(),
      clientId: uniqueName('lag'),
      logger,
      sessionTimeoutMs: 6000,
      lagWatches: [{ topic, groupId, maxLag: 20 }],
      lagEveryMs: 200,
      onLag: (t, g, lag) => void (t === topic && g === groupId && measured.push(lag)),
    });
    buses.push(bus);
    await bus.ensureTopics([topic]);
    for (let n = 0; n < 10; n++) await bus.publish(topic, `k${n}`, { n });
    // The group never committed: its lag counts from the earliest retained offset.
    await waitFor('pressure 0.5 (10 of 20 behind)', () => bus.pressure(topic) === 0.5, 30_000);
    expect(bus.pressure('another-topic')).toBe(0);
    expect(measured).toContain(10);
    const seen: unknown[] = [];
    const sub = await bus.subscribe({ groupId, topic, decode: (v) => v, handler: async (m) => void seen.push(m.value) });
    await waitFor('the group to consume all 10', () => seen.length === 10, 60_000);
    await waitFor('pressure 0 once committed', () => bus.pressure(topic) === 0, 30_000);
    await sub.close();
  });

  it('reports ready once connected and not after close', async () => {
    const bus = kafkaBus();
    await waitFor('producer connection', () => bus.isReady(), 30_000);
    await bus.close();
    expect(bus.isReady()).toBe(false);
  });

  it('is not ready and fails to publish when no broker answers, without crashing', async () => {
    const bus = createKafkaBus({ brokers: ['127.0.0.1:1'], clientId: 'nowhere', logger, connectionTimeoutMs: 200 });
    await expect(bus.publish('t', 'k', { n: 1 })).rejects.toThrow();
    expect(bus.isReady()).toBe(false);
    await bus.close();
  });
});
