import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../../../test/infra/env.js';
import { createKafkaBus } from '../src/index.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

describe('KafkaBus.readCompacted', () => {
  const bus = createKafkaBus({ brokers: kafkaBrokers(), clientId: uniqueName('read-test'), logger, partitions: 3 });
  afterAll(() => bus.close());

  it('reads each topic to its end: the latest value per key, tombstones as null, an empty topic as empty', async () => {
    const state = uniqueName('state');
    const empty = uniqueName('empty');
    await bus.ensureTopics([state, empty]);
    for (let i = 0; i < 30; i++) await bus.publish(state, `k${i % 10}`, { v: i });
    await bus.publishTombstone(state, 'k3');

    const read = await bus.readCompacted([state, empty]);
    const values = read.get(state)!;
    expect(values.size).toBe(10);
    expect(values.get('k3')).toBeNull();
    expect(JSON.parse(values.get('k9')!.toString('utf8'))).toEqual({ v: 29 });
    expect(JSON.parse(values.get('k0')!.toString('utf8'))).toEqual({ v: 20 });
    expect(read.get(empty)!.size).toBe(0);
  });
});
