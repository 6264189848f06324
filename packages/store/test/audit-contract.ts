import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { InvalidCursorError, type StatePort } from '../src/index.js';
import { action, at } from './fixtures/builders.js';

export interface ClockedStoreOptions {
  now: () => Date;
  auditRetentionDays?: number;
}

export interface ClockedStoreHarness {
  /** A fresh, empty store with this clock, and no maintenance timer (tests call prune()). */
  create(options: ClockedStoreOptions): Promise<StatePort>;
  dispose(store: StatePort): Promise<void>;
}

const DAY = 24 * 3600 * 1000;

/** Pages through everything a query matches; fails on a page larger than asked. */
export async function readAll(store: StatePort, query: { serverId?: string; since?: string; until?: string }, limit: number): Promise<Action[]> {
  const out: Action[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await store.listAuditPage({ ...query, limit, ...(cursor ? { cursor } : {}) });
    expect(page.actions.length).toBeLessThanOrEqual(limit);
    out.push(...page.actions);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

/** Appends concurrently in chunks: the file store group-commits, Redis pipelines. */
async function appendMany(store: StatePort, actions: Action[]): Promise<void> {
  for (let i = 0; i < actions.length; i += 500) await Promise.all(actions.slice(i, i + 500).map((a) => store.appendAudit(a)));
}

const ids = (list: Action[]) => list.map((a) => a.id);

/** Audit retention by time and paginated reading: the same behaviour from every adapter. */
export function registerAuditContract(name: string, harness: ClockedStoreHarness): void {
  describe(`audit trail contract: ${name}`, () => {
    let store: StatePort;
    let nowMs: number;
    beforeEach(async () => {
      nowMs = Date.parse(at(0)) + 1000 * DAY;
      store = await harness.create({ now: () => new Date(nowMs), auditRetentionDays: 400 });
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('10,000 appends evict nothing, and paging visits every action exactly once, newest first', async () => {
      const first = { ...action('victim', 1, 'quarantine'), actor: 'policy' };
      const flood = Array.from({ length: 10_000 }, (_, i) => action(`flood-${i % 7}`, 1000 + i, 'approve'));
      await store.appendAudit(first);
      await appendMany(store, flood);
      const all = await readAll(store, {}, 1000);
      expect(all).toHaveLength(10_001);
      expect(new Set(ids(all)).size).toBe(10_001);
      expect(all[all.length - 1]).toEqual(first);
      expect(ids(all.slice(0, 3))).toEqual(ids(flood.slice(-3).reverse()));
      const times = all.map((a) => Date.parse(a.time));
      expect(times.every((t, i) => i === 0 || t <= times[i - 1]!)).toBe(true);
      // The old first-page API still finds it too, by server.
      expect(await store.listAudit(10, 'victim')).toEqual([first]);
      expect((await store.listAudit()).length).toBe(100);
    }, 120_000);

    it('pages are stable under concurrent appends: no entry twice, none of the originals missed', async () => {
      const originals = Array.from({ length: 250 }, (_, i) => action(`s${i % 3}`, 10_000 + i * 10));
      await appendMany(store, originals);
      const seen: Action[] = [];
      let cursor: string | undefined;
      let round = 0;
      do {
        const page = await store.listAuditPage({ limit: 40, ...(cursor ? { cursor } : {}) });
        seen.push(...page.actions);
        cursor = page.nextCursor ?? undefined;
        // Between pages: newer actions (must not appear: they are above the cursor) and one
        // older than everything (must appear once, at the end).
        await Promise.all([store.appendAudit(action('s0', 50_000 + round)), store.appendAudit(action('s1', 100 - round))]);
        round++;
      } while (cursor);
      expect(new Set(ids(seen)).size).toBe(seen.length);
      const seenIds = new Set(ids(seen));
      expect(originals.every((a) => seenIds.has(a.id))).toBe(true);
      expect(seen.some((a) => Date.parse(a.time) >= Date.parse(at(50_000)))).toBe(false);
      expect(seen.filter((a) => Date.parse(a.time) < Date.parse(at(10_000))).length).toBeGreaterThan(0);
    });

    it('orders ties in the same millisecond consistently and pages through them exactly', async () => {
      const same = Array.from({ length: 57 }, (_, i) => action(i % 2 ? 'b' : 'a', 777));
      await appendMany(store, same);
      const pages = await readAll(store, {}, 5);
      expect(pages).toHaveLength(57);
      expect(new Set(ids(pages)).size).toBe(57);
      const whole = (await store.listAuditPage({ limit: 100 })).actions;
      expect(ids(pages)).toEqual(ids(whole));
    });

    it('filters by server and by time range, with pagination', async () => {
      const list = Array.from({ length: 30 }, (_, i) => action(i % 3 === 0 ? 'mail' : 'docs', i * 1000));
      await appendMany(store, list);
      const mail = await readAll(store, { serverId: 'mail' }, 3);
      expect(ids(mail)).toEqual(ids(list.filter((a) => a.serverId === 'mail').reverse()));
      const window = await readAll(store, { since: at(5000), until: at(9000) }, 2);
      expect(window.map((a) => a.time)).toEqual([at(8000), at(7000), at(6000), at(5000)]);
      const mailWindow = await readAll(store, { serverId: 'mail', since: at(3000), until: at(12_001) }, 1);
      expect(mailWindow.map((a) => a.time)).toEqual([at(12_000), at(9000), at(6000), at(3000)]);
      expect((await store.listAuditPage({ limit: 10, serverId: 'nobody' })).actions).toEqual([]);
      expect(await store.listAuditPage({ limit: 0 })).toEqual({ actions: [], nextCursor: null });
    });

    it('a retried append of the same action is recorded once', async () => {
      const a = action('s1', 5);
      await store.appendAudit(a);
      await store.appendAudit({ ...a });
      await Promise.all([store.appendAudit(a), store.appendAudit(a)]);
      expect(ids((await store.listAuditPage({ limit: 10 })).actions)).toEqual([a.id]);
    });

    it('refuses a cursor or time bound it did not hand out', async () => {
      await store.appendAudit(action('s1', 5));
      for (const cursor of ['nope!', 'bm90IGEga2V5', 'x'.repeat(600), Buffer.from('0000000000001:s1:a\nb').toString('base64url')]) {
        await expect(store.listAuditPage({ limit: 10, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      }
      await expect(store.listAuditPage({ limit: 10, since: 'yesterday' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('prunes by time only, in bounded batches, per server too', async () => {
      const day = (d: number) => new Date(nowMs - d * DAY).toISOString();
      const mk = (serverId: string, daysAgo: number): Action => ({ ...action(serverId, 0), time: day(daysAgo) });
      const old = [mk('a', 700), mk('b', 500), mk('a', 401), mk('b', 400.5)];
      const kept = [mk('a', 399), mk('b', 10), mk('a', 0)];
      await appendMany(store, [...kept, ...old]);
      expect(await readAll(store, {}, 100)).toHaveLength(7);
      expect((await store.prune(3)).audit).toBe(3);
      expect((await store.prune()).audit).toBe(1);
      expect((await store.prune()).audit).toBe(0);
      expect(ids(await readAll(store, {}, 2))).toEqual(ids([...kept].reverse()));
      expect(ids(await readAll(store, { serverId: 'b' }, 1))).toEqual([kept[1]!.id]);
      expect(ids(await readAll(store, { serverId: 'a' }, 1))).toEqual([kept[2]!.id, kept[0]!.id]);
      // Time passes: the 399-day-old entry ages out.
      nowMs += 2 * DAY;
      expect((await store.prune()).audit).toBe(1);
      expect(await readAll(store, { serverId: 'a' }, 5)).toHaveLength(1);
    });
  });
}
