import { TOPICS } from '@driftwatch/core';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../../../test/infra/env.js';
import { createKafkaBus } from '../src/index.js';
import type { ContractHarness } from './contract.js';
import { tombstoneContract } from './tombstone-contract.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const kafkaBus = (options: { retries?: number; retryBackoffMs?: number } = {}) =>
  createKafkaBus({ brokers: kafkaBrokers(), clientId: uniqueName('tomb-test'), logger, sessionTimeoutMs: 6000, ...options });

tombstoneContract('kafka', (): ContractHarness => ({
  create: (options) => ({ bus: kafkaBus(options), dlq: [] }),
  peer: (_of, options) => ({ bus: kafkaBus(options), dlq: [] }),
  topic: async (bus, prefix) => {
    const topic = uniqueName(prefix);
    await bus.ensureTopics([topic]);
    return topic;
  },
  group: (prefix) => uniqueName(prefix),
  timeoutMs: 60_000,
  quietMs: 1500,
}));

describe('kafka: the catalog topic', () => {
  it('is created compacted, so the latest definition (or tombstone) of every server is kept', async () => {
    const bus = kafkaBus();
    try {
      await bus.ensureTopics([TOPICS.catalog]);
      const admin = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: TOPICS.catalog }] });
        const policy = configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
        expect(policy).toBe('compact');
      } finally {
        await admin.disconnect();
      }
    } finally {
      await bus.close();
    }
  });
});
