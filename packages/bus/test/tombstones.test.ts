import { pino } from 'pino';
import { createInProcessBus } from '../src/index.js';
import type { ContractHarness } from './contract.js';
import { tombstoneContract } from './tombstone-contract.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let counter = 0;

tombstoneContract('in-process', (): ContractHarness => ({
  create: (options) => ({ bus: createInProcessBus({ logger, ...options }), dlq: [] }),
  peer: (of) => of,
  topic: async (bus, prefix) => {
    const topic = `${prefix}.${++counter}`;
    await bus.ensureTopics([topic]);
    return topic;
  },
  group: (prefix) => `${prefix}-${++counter}`,
  timeoutMs: 5_000,
  quietMs: 100,
}));
