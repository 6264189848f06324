import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptValueError, createRedisStore, type StatePort } from '../src/index.js';
import { apiKeyRecord, registerApiKeyContract } from './api-keys-contract.js';
import { captureLogger } from './fixtures/builders.js';

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

const newPrefix = () => `dwtest:keys:${randomUUID().slice(0, 8)}:`;
const prefixes = new Map<StatePort, string>();

registerApiKeyContract('redis', {
  async create() {
    const keyPrefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix, logger: silent });
    prefixes.set(store, keyPrefix);
    await store.countQuarantined(); // first command: waits for the connection
    return store;
  },
  async dispose(store) {
    await store.close();
    await deletePrefix(prefixes.get(store)!);
    prefixes.delete(store);
  },
});

describe('redis store: api key records from outside', () => {
  it('refuses a tampered record on get, skips it (with a warning) when listing, keeps the others', async () => {
    const prefix = newPrefix();
    const cap = captureLogger();
    const store = createRedisStore({ url, keyPrefix: prefix, logger: cap.logger });
    try {
      const good = apiKeyRecord();
      await store.putApiKey(good);
      const evil = apiKeyRecord();
      // Someone with Redis access raises the cost to make every verification allocate 16 GiB.
      await admin.hset(`${prefix}api-keys`, evil.id, JSON.stringify({ ...evil, hash: { ...evil.hash, N: 1 << 27 } }));
      await expect(store.getApiKey(evil.id)).rejects.toBeInstanceOf(CorruptValueError);
      expect((await store.listApiKeys()).map((r) => r.id)).toEqual([good.id]);
      expect(cap.lines().some((l) => l.msg === 'skipping unreadable api key record' && l.keyId === evil.id)).toBe(true);
      await admin.hset(`${prefix}api-keys`, 'k_dddddddddddddddd', '{not json');
      await expect(store.getApiKey('k_dddddddddddddddd')).rejects.toBeInstanceOf(CorruptValueError);
    } finally {
      await store.close();
      await deletePrefix(prefix);
    }
  });
});
