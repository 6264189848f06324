import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorruptValueError, createRedisStore, type StatePort } from '../src/index.js';
import { registerStoreContract } from './contract.js';
import { action, baseline, captureLogger, storedAlert } from './fixtures/builders.js';

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

const newPrefix = () => `dwtest:${randomUUID().slice(0, 8)}:`;
const prefixes = new Map<StatePort, string>();

registerStoreContract('redis', {
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

describe('redis store: shared-infrastructure hygiene', () => {
  let prefix: string;
  let store: StatePort;
  let cap: ReturnType<typeof captureLogger>;
  beforeEach(async () => {
    prefix = newPrefix();
    cap = captureLogger();
    store = createRedisStore({ url, keyPrefix: prefix, logger: cap.logger });
  });
  afterEach(async () => {
    await store.close();
    await deletePrefix(prefix);
  });

  it('keeps every key under its prefix', async () => {
    await store.updateServerState('s1', { reachable: true });
    await store.insertAlert(storedAlert({ serverId: 's1' }));
    await store.quarantine('s1', { reason: 'r', actor: 'policy', at: new Date().toISOString() });
    await store.claimOnce('c', 10_000);
    await store.acquireLease('l', 'me', 10_000);
    await store.appendAudit(action('s1', 1));
    const [, keys] = await admin.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
    expect(keys.length).toBeGreaterThanOrEqual(10);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
    expect(await admin.exists(`${prefix}quarantine:s1`, `${prefix}alerts`, `${prefix}once:c`, `${prefix}lease:l`)).toBe(4);
  });

  it('a corrupt alert is a clear error on a direct read and is skipped (with a log) in listings', async () => {
    await store.insertAlert(storedAlert({ id: 'good', timeMs: 1 }));
    await store.insertAlert(storedAlert({ id: 'bad', timeMs: 2, subject: 'b' }));
    await admin.set(`${prefix}alert:bad`, '{"alert": not json');
    const err = await store.getAlert('bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptValueError);
    expect((err as Error).message).toContain(`${prefix}alert:bad`);
    expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['good']);
    expect(cap.lines().some((l) => l.msg === 'skipping unreadable alert' && l.alertId === 'bad')).toBe(true);
  });

  it('a baseline of the wrong shape is refused, not returned as if valid', async () => {
    await store.putBaseline(baseline('s1'));
    await admin.set(`${prefix}baseline:s1`, JSON.stringify({ serverId: 's1', fingerprint: 42 }));
    await expect(store.getBaseline('s1')).rejects.toThrow(CorruptValueError);
    await expect(store.getBaseline('s1')).rejects.toThrow(/baseline:s1.*(fingerprint|id|type)/);
  });

  it('a corrupt server-state field or a key of the wrong type is an error for that server only', async () => {
    await store.updateServerState('ok', { reachable: true });
    await store.updateServerState('broken', { reachable: true });
    await admin.hset(`${prefix}server:broken`, 'reachable', '"maybe"');
    await admin.sadd(`${prefix}servers`, 'wrongtype');
    await admin.set(`${prefix}server:wrongtype`, 'a string, not a hash');
    await expect(store.getServerState('broken')).rejects.toThrow(/server:broken#reachable/);
    await expect(store.getServerState('wrongtype')).rejects.toThrow(CorruptValueError);
    expect((await store.listServerStates()).map((s) => s.serverId)).toEqual(['ok']);
    expect(cap.lines().filter((l) => l.msg === 'skipping unreadable server state')).toHaveLength(2);
  });

  it('a corrupt audit entry or quarantine record does not break the readers', async () => {
    for (let i = 1; i <= 3; i++) await store.appendAudit(action('s1', i));
    const [middle] = await admin.zrange(`${prefix}auditlog:index`, '-', '+', 'BYLEX', 'LIMIT', 1, 1);
    await admin.hset(`${prefix}auditlog:data`, middle!, 'garbage');
    expect((await store.listAudit()).map((a) => a.reason)).toEqual(['reason 3', 'reason 1']);
    await admin.set(`${prefix}quarantine:s9`, '{}');
    await admin.sadd(`${prefix}quarantined`, 's9');
    await expect(store.getQuarantine('s9')).rejects.toThrow(CorruptValueError);
    // Releasing still lifts it (the quarantine existed), and says the record was unreadable.
    expect((await store.release('s9'))?.reason).toMatch(/unreadable/);
    expect(await store.countQuarantined()).toBe(0);
  });

  it('a corrupt open-findings value is an error, not an empty record that would re-alert everything', async () => {
    await admin.set(`${prefix}findings:s1`, JSON.stringify({ k: { alertId: 1 } }));
    await expect(store.getOpenFindings('s1')).rejects.toThrow(CorruptValueError);
  });
});

describe('redis store: unreachable Redis', () => {
  it('fails calls within a bounded time instead of hanging, and is not ready', async () => {
    const store = createRedisStore({ url: 'redis://127.0.0.1:1/0', logger: silent, connectTimeoutMs: 300 });
    const started = Date.now();
    await expect(store.getServerState('s1')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(store.isReady()).toBe(false);
    await store.close();
  });
});
