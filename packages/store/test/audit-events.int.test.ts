import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type StatePort } from '../src/index.js';
import { readAll, registerAuditContract } from './audit-contract.js';
import { drain, registerEventContract } from './event-contract.js';
import { action, captureLogger } from './fixtures/builders.js';

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

const harness = {
  async create(options: { now: () => Date; auditRetentionDays?: number }) {
    const keyPrefix = newPrefix();
    const store = createRedisStore({ url, keyPrefix, logger: silent, maintenanceIntervalMs: 0, ...options });
    prefixes.set(store, keyPrefix);
    await store.countQuarantined(); // first command: waits for the connection
    return store;
  },
  async dispose(store: StatePort) {
    await store.close();
    await deletePrefix(prefixes.get(store)!);
    prefixes.delete(store);
  },
};

registerAuditContract('redis', harness);
registerEventContract('redis', harness);

describe('redis audit trail: layout and migration', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  function open(prefix: string, extra: Partial<Parameters<typeof createRedisStore>[0]> = {}): StatePort {
    const store = createRedisStore({ url: url!, keyPrefix: prefix, logger: silent, maintenanceIntervalMs: 0, ...extra });
    cleanup.push(() => store.close());
    return store;
  }

  it('migrates the legacy capped lists (global and per server), skipping what does not validate', async () => {
    const prefix = newPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const inBoth = [action('a', 3), action('b', 2)];
    const onlyPerServer = action('a', 1); // evicted from the global list, still in its server's
    await admin.lpush(`${prefix}audit`, ...inBoth.reverse().map((x) => JSON.stringify(x)), 'garbage');
    await admin.lpush(`${prefix}audit:server:a`, JSON.stringify(onlyPerServer), JSON.stringify(inBoth[1]));
    await admin.lpush(`${prefix}audit:server:b`, JSON.stringify(inBoth[0]));
    const cap = captureLogger();
    const store = open(prefix, { logger: cap.logger });
    const all = await readAll(store, {}, 2);
    expect(all.map((x) => x.time)).toEqual([inBoth[1]!.time, inBoth[0]!.time, onlyPerServer.time]);
    expect((await readAll(store, { serverId: 'a' }, 10)).map((x) => x.id)).toEqual([inBoth[1]!.id, onlyPerServer.id]);
    expect(await admin.exists(`${prefix}audit`, `${prefix}audit:server:a`, `${prefix}audit:server:b`)).toBe(0);
    expect(await admin.get(`${prefix}auditlog:version`)).toBe('1');
    expect(cap.lines().some((l) => l.msg === 'legacy audit entries that do not validate were not migrated' && l.skipped === 1)).toBe(true);
    expect(cap.lines().some((l) => l.msg === 'migrated legacy audit lists' && l.copied === 3 && l.lists === 3)).toBe(true);
  });

  it('picks up entries an old replica writes during a rolling upgrade, on the next maintenance run', async () => {
    const prefix = newPrefix();
    cleanup.push(() => deletePrefix(prefix));
    // The fixtures' clock: with the real one their 2025 times may be past the retention already.
    const store = open(prefix, { maintenanceIntervalMs: 50, now: () => new Date(Date.parse(action('a', 0).time) + 1000) });
    await store.appendAudit(action('a', 10));
    const late = action('a', 11);
    await admin.lpush(`${prefix}audit`, JSON.stringify(late));
    await admin.lpush(`${prefix}audit:server:a`, JSON.stringify(late));
    await expect.poll(async () => (await store.listAudit(10)).length, { timeout: 5_000 }).toBe(2);
    expect(await admin.exists(`${prefix}audit`, `${prefix}audit:server:a`)).toBe(0);
  });

  it('a corrupt entry is skipped with a log, and its page still continues', async () => {
    const prefix = newPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const cap = captureLogger();
    const store = open(prefix, { logger: cap.logger });
    const list = [action('s1', 1), action('s1', 2), action('s1', 3)];
    for (const a of list) await store.appendAudit(a);
    const [member] = await admin.zrange(`${prefix}auditlog:index`, '-', '+', 'BYLEX', 'LIMIT', 1, 1);
    await admin.hset(`${prefix}auditlog:data`, member!, '{"not":"an action"}');
    expect((await readAll(store, {}, 1)).map((a) => a.reason)).toEqual(['reason 3', 'reason 1']);
    expect(cap.lines().some((l) => l.msg === 'skipping unreadable audit entry')).toBe(true);
  });

  it('keeps its keys under the prefix, and shares the trail and the event log between replicas', async () => {
    const prefix = newPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const a = open(prefix);
    const b = open(prefix);
    const start = (await b.readEvents(null, 1)).next;
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).appendEvent({ type: 'status', serverId: `s${i}`, data: { from: 'pending', to: 'ok' } })));
    await a.appendAudit(action('s1', 1));
    expect((await b.listAudit(10)).map((x) => x.serverId)).toEqual(['s1']);
    const seen = (await drain(b, start)).events.map((e) => e.id);
    expect(seen).toHaveLength(41);
    expect([...seen].sort((x, y) => Number(x) - Number(y))).toEqual(seen);
    expect(new Set([...ids, ...seen]).size).toBe(41);
    const [, keys] = await admin.scan('0', 'MATCH', '*', 'COUNT', 100_000);
    const ours = keys.filter((k) => k.includes(prefix.slice('dwtest:'.length)));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((k) => k.startsWith(prefix))).toBe(true);
  });
});
