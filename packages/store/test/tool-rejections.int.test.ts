import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptValueError, createRedisStore, type StatePort } from '../src/index.js';
import { registerToolRejectionContract, rejection } from './tool-rejections-contract.js';

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

const newPrefix = () => `dwtest:trej:${randomUUID().slice(0, 8)}:`;
const prefixes = new Map<StatePort, string>();

registerToolRejectionContract('redis', {
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

describe('redis store: tool rejections', () => {
  it('refuses to read a corrupt rejection instead of skipping it (skipping would unblock the tool)', async () => {
    const prefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    try {
      await store.putToolRejection(rejection('s1', 'send', 'fp-1'));
      await admin.hset(`${prefix}tool-rejections:s1`, 'send', '{"serverId":"s1"}');
      await expect(store.listToolRejections('s1')).rejects.toBeInstanceOf(CorruptValueError);
      await expect(store.listToolRejections()).rejects.toBeInstanceOf(CorruptValueError);
    } finally {
      await store.close();
      await deletePrefix(prefix);
    }
  });

  it('is shared by two clients on one prefix (API replica writes, differ replica reads)', async () => {
    const prefix = newPrefix();
    const a = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    const b = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    try {
      await a.putToolRejection(rejection('s1', 'send', 'fp-1'));
      expect((await b.listToolRejections('s1')).map((r) => r.fingerprint)).toEqual(['fp-1']);
      expect(await b.deleteToolRejection('s1', 'send')).toBe(true);
      expect(await a.listToolRejections()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await deletePrefix(prefix);
    }
  });
});
