import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveByHuman } from '@driftwatch/core';
import { createRedisStore, type StatePort } from '../src/index.js';
import { drain } from './event-contract.js';
import { incident, registerIncidentStoreContract } from './incidents-contract.js';

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

const newPrefix = () => `dwtest:inc:${randomUUID().slice(0, 8)}:`;
const prefixes = new Map<StatePort, string>();

registerIncidentStoreContract('redis', {
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

describe('redis store: incidents across processes', () => {
  it('lets exactly one of two concurrent writers win a compare-and-set', async () => {
    const prefix = newPrefix();
    const a = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    const b = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    try {
      const r = incident('mail', 0);
      const created = await Promise.all([a.putIncident(r, 0), b.putIncident(r, 0)]);
      expect(created.filter(Boolean)).toHaveLength(1);
      const winners = await Promise.all([a.putIncident(r, 1), b.putIncident(r, 1)]);
      expect(winners.filter(Boolean)).toHaveLength(1);
      expect((await a.getIncident(r.id))?.version).toBe(2);
    } finally {
      await a.close();
      await b.close();
      await deletePrefix(prefix);
    }
  });

  it('an incident written before its event state was kept is announced once on its next write, and the state expires with it', async () => {
    const prefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    try {
      const start = (await store.readEvents(null, 1)).next;
      const r = (await store.putIncident(incident('mail', 0), 0))!;
      expect(await admin.get(`${prefix}incident:${r.id}:ev`)).toBe('open|high');
      await admin.del(`${prefix}incident:${r.id}:ev`); // as an older version left it
      const same = (await store.putIncident({ ...r, notify: { ...r.notify, lastFlushAt: r.openedAt } }, 1))!;
      await store.putIncident({ ...same, notify: { ...same.notify, seq: 1 } }, 2);
      const changes = (await drain(store, start)).events.map((e) => (e.type === 'incident' ? e.data.change : e.type));
      expect(changes).toEqual(['opened', 'opened']);
      const resolved = (await store.putIncident(resolveByHuman(same, 'alice', 'done', new Date(Date.parse(r.openedAt) + 1)), 3))!;
      expect(resolved.status).toBe('resolved');
      expect(await admin.pttl(`${prefix}incident:${r.id}:ev`)).toBeGreaterThan(0);
    } finally {
      await store.close();
      await deletePrefix(prefix);
    }
  });

  it('expires a finished incident after its retention and drops it from listings', async () => {
    const prefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix: prefix, logger: silent });
    try {
      const r = (await store.putIncident(incident('mail', 0), 0))!;
      expect(await admin.pttl(`${prefix}incident:${r.id}`)).toBe(-1);
      await store.putIncident(resolveByHuman(r, 'alice', 'done', new Date(Date.parse(r.openedAt) + 1)), 1);
      expect(await admin.pttl(`${prefix}incident:${r.id}`)).toBeGreaterThan(0);
      await admin.del(`${prefix}incident:${r.id}`);
      expect(await store.listIncidents()).toEqual([]);
      expect(await admin.zcard(`${prefix}incidents`)).toBe(0);
    } finally {
      await store.close();
      await deletePrefix(prefix);
    }
  });
});
