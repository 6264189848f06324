import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { GENESIS_HASH, auditChainHash, canonicalAction, createRedisStore, type AuditChainReport, type StatePort } from '../src/index.js';
import { action, at } from './fixtures/builders.js';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: run through the integration project (its globalSetup provides Redis)');
const silent = pino({ level: 'silent' });
const DAY = 24 * 3600 * 1000;

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

type Report = AuditChainReport & { unchainedLegacy: number };

describe('redis audit hash chain', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  // The fixtures' times are 2025: a clock just after them keeps them inside the retention.
  const fixtureNow = Date.parse(at(0)) + DAY;

  function setup(): { prefix: string; key: (name: string) => string; open: (nowMs?: () => number) => StatePort } {
    const prefix = `dwtest:${randomUUID().slice(0, 8)}:`;
    cleanup.push(() => deletePrefix(prefix));
    return {
      prefix,
      key: (name) => `${prefix}auditlog:${name}`,
      open(nowMs = () => fixtureNow) {
        const store = createRedisStore({ url: url!, keyPrefix: prefix, logger: silent, maintenanceIntervalMs: 0, auditRetentionDays: 400, now: () => new Date(nowMs()) });
        cleanup.push(() => store.close());
        return store;
      },
    };
  }
  const verify = (store: StatePort) => store.verifyAuditChain!() as Promise<Report>;
  /** The audit key of the record at a chain position. */
  async function memberAt(prefix: string, seq: number): Promise<string> {
    const [m] = await admin.zrangebyscore(`${prefix}auditlog:seq`, seq, seq);
    expect(m).toBeDefined();
    return m!;
  }
  async function appendAll(store: StatePort, list: Action[]): Promise<void> {
    for (const a of list) await store.appendAudit(a);
  }

  it('appends from three stores at once make one unbroken chain, 1..600, that verifies', async () => {
    const { key, open } = setup();
    const stores = [open(), open(), open()];
    const all = stores.map((_, s) => Array.from({ length: 200 }, (_, i) => action(`s${s}-${i % 4}`, i * 3 + s)));
    await Promise.all(stores.flatMap((store, s) => all[s]!.map((a) => store.appendAudit(a))));
    const seqs = (await admin.zrange(key('seq'), '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(seqs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    // The links really chain: recompute from the genesis hash in seq order.
    const members = await admin.zrange(key('seq'), '0', '-1');
    const texts = await admin.hmget(key('data'), ...members);
    const links = await admin.hmget(key('link'), ...members);
    let prev = GENESIS_HASH;
    members.forEach((_, i) => {
      const hash = auditChainHash(prev, texts[i]!);
      expect(links[i]).toBe(`${i + 1}:${prev}:${hash}`);
      prev = hash;
    });
    expect(await admin.get(key('head'))).toBe(`600:${prev}`);
    const report = await verify(stores[1]!);
    expect(report).toMatchObject({ ok: true, checked: 600, firstBreak: null, head: { seq: 600, hash: prev }, anchor: { seq: 0, hash: GENESIS_HASH }, unchainedLegacy: 0 });
    // Stored as canonical JSON, still read back as the action.
    expect(texts[0]).toBe(canonicalAction(JSON.parse(texts[0]!) as Action));
    expect((await stores[2]!.listAuditPage({ limit: 1000 })).actions).toHaveLength(600);
  });

  it('writers that append one at a time, side by side, all get through (none starves at the head)', async () => {
    const { key, open } = setup();
    const stores = [open(), open(), open()];
    const results = await Promise.allSettled(
      stores.map(async (store, s) => {
        for (let i = 0; i < 150; i++) await store.appendAudit(action(`w${s}`, i * 3 + s));
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await admin.zcard(key('seq'))).toBe(450);
    expect(await verify(stores[0]!)).toMatchObject({ ok: true, checked: 450, head: { seq: 450 } });
  });

  it('reports an altered record at that record', async () => {
    const { prefix, key, open } = setup();
    const store = open();
    const list = Array.from({ length: 20 }, (_, i) => action(`s${i % 3}`, i * 10));
    await appendAll(store, list);
    expect((await verify(store)).ok).toBe(true);
    const member = await memberAt(prefix, 7);
    const stored = JSON.parse((await admin.hget(key('data'), member))!) as Action;
    await admin.hset(key('data'), member, JSON.stringify({ ...stored, reason: 'nothing to see here' }));
    const report = await verify(store);
    expect(report.ok).toBe(false);
    expect(report.checked).toBe(6);
    expect(report.firstBreak).toEqual({ seq: 7, actionId: list[6]!.id, time: list[6]!.time, serverId: list[6]!.serverId, problem: 'content altered: its hash does not match what it says' });
  });

  it('reports a deleted record as a gap at the record after it', async () => {
    const { prefix, key, open } = setup();
    const store = open();
    const list = Array.from({ length: 20 }, (_, i) => action(`s${i % 3}`, i * 10));
    await appendAll(store, list);
    // Removed from every key, as someone covering their tracks would.
    const member = await memberAt(prefix, 10);
    await admin
      .multi()
      .hdel(key('data'), member)
      .hdel(key('link'), member)
      .zrem(key('seq'), member)
      .zrem(key('index'), member)
      .zrem(`${prefix}auditlog:server:${list[9]!.serverId}`, member)
      .exec();
    const report = await verify(store);
    expect(report).toMatchObject({ ok: false, checked: 9 });
    expect(report.firstBreak).toMatchObject({ seq: 11, actionId: list[10]!.id });
    expect(report.firstBreak!.problem).toMatch(/^records 10\.\.10 are missing/);
  });

  it('reports a record whose content alone was deleted, or that was hidden from the listings', async () => {
    const { prefix, key, open } = setup();
    const store = open();
    const list = Array.from({ length: 8 }, (_, i) => action('s1', i * 10));
    await appendAll(store, list);
    await admin.zrem(`${prefix}auditlog:server:s1`, await memberAt(prefix, 6));
    expect((await verify(store)).firstBreak).toMatchObject({ seq: 6, problem: "missing from its server's audit index: the server's listing hides it" });
    await admin.zrem(key('index'), await memberAt(prefix, 4));
    expect((await verify(store)).firstBreak).toMatchObject({ seq: 4, problem: 'missing from the audit index: the trail listing hides it' });
    await admin.hdel(key('data'), await memberAt(prefix, 2));
    expect((await verify(store)).firstBreak).toMatchObject({ seq: 2, actionId: list[1]!.id, problem: 'content is missing (deleted; its chain link is left)' });
  });

  it('reports the deletion of the newest record against the head', async () => {
    const { prefix, key, open } = setup();
    const store = open();
    const list = Array.from({ length: 20 }, (_, i) => action('s1', i * 10));
    await appendAll(store, list);
    const member = await memberAt(prefix, 20);
    await admin.multi().hdel(key('data'), member).hdel(key('link'), member).zrem(key('seq'), member).zrem(key('index'), member).zrem(`${prefix}auditlog:server:s1`, member).exec();
    const report = await verify(store);
    expect(report).toMatchObject({ ok: false, checked: 19, head: { seq: 20 } });
    expect(report.firstBreak).toMatchObject({ seq: 20, problem: 'the newest records 20..20 are missing (the chain ends at 19, its recorded head is 20)' });
  });

  it('a deleted head does not stop the trail, and the next record is reported as not linking', async () => {
    const { key, open } = setup();
    const store = open();
    await appendAll(store, [action('s1', 1), action('s1', 2)]);
    await admin.del(key('head'));
    // A fresh store: one that cached the head would notice nothing either way.
    await open().appendAudit(action('s1', 3));
    expect(await admin.zscore(key('seq'), (await admin.zrangebyscore(key('seq'), 3, 3))[0]!)).toBe('3');
    expect((await verify(store)).firstBreak).toMatchObject({ seq: 3, problem: 'does not link to record 2: it, or the record before it, was altered' });
  });

  it('retention leaves a chain that verifies from the anchor, tombstones included', async () => {
    const { key, open } = setup();
    let nowMs = Date.parse(at(0)) + 500 * DAY;
    const store = open(() => nowMs);
    const time = (daysAgo: number) => new Date(nowMs - daysAgo * DAY).toISOString();
    const mk = (serverId: string, daysAgo: number): Action => ({ ...action(serverId, 0), time: time(daysAgo) });
    // Append order is not time order: an old action arriving late is pruned before records it follows.
    const list = [mk('a', 450), mk('b', 420), mk('a', 100), mk('b', 410), mk('a', 50), mk('b', 405), mk('a', 10), mk('b', 1)];
    await appendAll(store, list);
    const head = (await verify(store)).head;
    expect(head.seq).toBe(8);
    expect((await store.prune(1)).audit).toBe(1); // the 450-day-old record: seq 1
    expect(await verify(store)).toMatchObject({ ok: true, checked: 7, anchor: { seq: 1 }, head });
    expect((await store.prune()).audit).toBe(3); // seqs 2, 4 and 6: 4 and 6 stay as tombstones
    expect(await admin.zcard(key('pruned'))).toBe(2);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 4, anchor: { seq: 2 }, head });
    nowMs += 360 * DAY; // the 100- and 50-day-old records pass the retention
    expect((await store.prune()).audit).toBe(2); // seqs 3 and 5: everything up to 6 folds into the anchor
    expect(await admin.zcard(key('pruned'))).toBe(0);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 2, anchor: { seq: 6 }, head });
    // Appends after pruning go on from the head.
    await store.appendAudit(mk('a', 0));
    expect(await verify(store)).toMatchObject({ ok: true, checked: 3, head: { seq: 9 } });
    nowMs += 1000 * DAY;
    expect((await store.prune()).audit).toBe(3);
    const empty = await verify(store);
    expect(empty).toMatchObject({ ok: true, checked: 0, anchor: { seq: 9 }, head: { seq: 9 } });
    expect(empty.anchor.hash).toBe(empty.head.hash);
  });

  it('verifies while retention removes records under the walk, and while others append', async () => {
    const { open } = setup();
    const nowMs = Date.parse(at(0)) + 1000 * DAY;
    const store = open(() => nowMs);
    // 2,500 records, every other one past the retention, so pruning leaves tombstones all along.
    const list = Array.from({ length: 2500 }, (_, i) => ({ ...action(`s${i % 5}`, 0), time: new Date(nowMs - (i % 2 ? 500 : 10) * DAY + i).toISOString() }));
    await Promise.all(list.map((a) => store.appendAudit(a)));
    const other = open(() => nowMs);
    const [pruned, during, , afterwards] = await Promise.all([
      store.prune(),
      verify(other),
      Promise.all(Array.from({ length: 50 }, (_, i) => other.appendAudit({ ...action('late', 0), time: new Date(nowMs - i).toISOString() }))),
      (async () => {
        await new Promise((r) => setTimeout(r, 5));
        return verify(store);
      })(),
    ]);
    expect(pruned.audit).toBe(1250);
    expect(during.ok).toBe(true);
    expect(afterwards.ok).toBe(true);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 1300, head: { seq: 2550 } });
  });

  it('a recent record removed the way retention removes records is reported', async () => {
    const { open } = setup();
    const nowMs = Date.parse(at(0)) + 10 * DAY;
    const store = open(() => nowMs);
    // Seq 2 is the oldest in time: pruned first, it leaves a tombstone behind seq 1.
    const list = [action('s1', 5), action('s1', 1), action('s1', 10)];
    await appendAll(store, list);
    // A clock 1000 days ahead removes it as retention would; by the real clock it is 10 days old.
    const ahead = open(() => nowMs + 1000 * DAY);
    expect((await ahead.prune(1)).audit).toBe(1);
    expect(await verify(ahead)).toMatchObject({ ok: true, checked: 2 });
    const report = await verify(store);
    expect(report).toMatchObject({ ok: false, checked: 1 });
    expect(report.firstBreak).toEqual({ seq: 2, actionId: list[1]!.id, time: list[1]!.time, serverId: 's1', problem: 'removed although it is within the retention period' });
  });

  it('an append of an already appended action adds no link', async () => {
    const { key, open } = setup();
    const store = open();
    const other = open();
    const a = action('s1', 5);
    await store.appendAudit(a);
    await store.appendAudit({ ...a });
    await Promise.all([store.appendAudit(a), other.appendAudit(a), store.appendAudit(action('s1', 6)), other.appendAudit(a)]);
    expect(await admin.zcard(key('seq'))).toBe(2);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 2, head: { seq: 2 } });
  });

  it('entries from before the chain are counted and skipped; an unlinked entry added later is reported', async () => {
    const { prefix, key, open } = setup();
    // What the previous version wrote: the entry and its indexes, no link.
    const writeUnlinked = async (a: Action) => {
      const member = `${String(Date.parse(a.time)).padStart(13, '0')}:${a.serverId}:${a.id}`;
      await admin.multi().hset(key('data'), member, JSON.stringify(a)).zadd(key('index'), 0, member).zadd(`${prefix}auditlog:server:${a.serverId}`, 0, member).exec();
    };
    const old = [action('s1', 1), action('s2', 2), action('s1', 3)];
    for (const a of old) await writeUnlinked(a);
    const store = open();
    await appendAll(store, [action('s1', 10), action('s2', 11)]);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 2, unchainedLegacy: 3, head: { seq: 2 } });
    expect((await store.listAuditPage({ limit: 10 })).actions).toHaveLength(5);
    // An old replica's legacy list during a rolling upgrade is copied in and counted as legacy too.
    await admin.lpush(`${prefix}audit`, JSON.stringify(action('s1', 4)));
    const restarted = open();
    await restarted.listAudit(1); // waits for the legacy migration
    expect(await verify(restarted)).toMatchObject({ ok: true, checked: 2, unchainedLegacy: 4 });
    // Retention removing legacy entries lowers the count with them.
    const later = open(() => Date.parse(at(5)) + 400 * DAY + 1);
    expect((await later.prune()).audit).toBe(4);
    expect(await verify(store)).toMatchObject({ ok: true, checked: 2, unchainedLegacy: 0 });
    await writeUnlinked(action('s2', 12));
    const report = await verify(store);
    expect(report.ok).toBe(false);
    expect(report.firstBreak!.problem).toMatch(/^1 entries of the trail carry no chain link beyond the 0 from before the chain started/);
  });
});
