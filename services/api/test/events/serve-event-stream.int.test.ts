import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createRedisStore } from '@driftwatch/store';
import { deleteRedisPrefix } from '../../../../test/support/redis-prefix.js';
import { registerStreamScenarios } from './stream-scenarios.js';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: run through the integration project (its globalSetup provides Redis)');
const silent = pino({ level: 'silent' });

// Two replicas sharing one Redis: changes made through one reach a stream served by the other.
registerStreamScenarios(
  'redis, two replicas',
  async () => {
    const keyPrefix = `dwtest:${randomUUID().slice(0, 8)}:`;
    const writer = createRedisStore({ url, keyPrefix, logger: silent, maintenanceIntervalMs: 0 });
    const reader = createRedisStore({ url, keyPrefix, logger: silent, maintenanceIntervalMs: 0 });
    await Promise.all([writer.countQuarantined(), reader.countQuarantined()]);
    return {
      writer,
      reader,
      async close() {
        await Promise.all([writer.close(), reader.close()]);
        await deleteRedisPrefix(url!, keyPrefix);
      },
    };
  },
  100,
);
