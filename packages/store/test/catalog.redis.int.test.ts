import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import { CorruptValueError, createRedisStore, type StatePort } from '../src/index.js';
import { registerCatalogContract } from './catalog-contract.js';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: run through the integration project (its globalSetup provides Redis)');
const silent = pino({ level: 'silent' });

let admin: Redis;
beforeAll(async () => {
  admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();
});
afterAll(async () => {
  await admin.quit();
});

async function deletePrefix(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await admin.del(...keys);
  } while (cursor !== '0');
}

const prefixes = new Map<StatePort, string>();
const newPrefix = () => `dwtest:cat:${randomUUID().slice(0, 8)}:`;

registerCatalogContract('redis', {
  async create() {
    const keyPrefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix, logger: silent });
    prefixes.set(store, keyPrefix);
    await store.countQuarantined();
    return store;
  },
  async dispose(store) {
    await store.close();
    await deletePrefix(prefixes.get(store)!);
    prefixes.delete(store);
  },
});

describe('redis store: catalog entries it did not write', () => {
  it('skips an unreadable entry in a listing (logging it) and names its key when read alone', async () => {
    const keyPrefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix, logger: silent });
    try {
      await store.putCatalogEntry(CatalogEntry.parse({ id: 'ok', transport: 'stdio', command: 'node' }));
      await admin.hset(`${keyPrefix}catalog`, 'bad', '{"id":"bad","transport":"ftp"}');
      expect((await store.listCatalog()).map((e) => e.id)).toEqual(['ok']);
      await expect(store.getCatalogEntry('bad')).rejects.toBeInstanceOf(CorruptValueError);
    } finally {
      await store.close();
      await deletePrefix(keyPrefix);
    }
  });
});
