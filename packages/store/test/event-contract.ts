import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge, addAlert, resolveByHuman, type IncidentRecord, type QuarantineRecord } from '@driftwatch/core';
import { EVENT_RETAIN_COUNT, MAX_EVENT_BYTES, type DriftEvent, type NewDriftEvent, type StatePort } from '../src/index.js';
import type { ClockedStoreHarness } from './audit-contract.js';
import { action, at, storedAlert } from './fixtures/builders.js';
import { incident } from './incidents-contract.js';

const qrec: QuarantineRecord = { reason: 'poisoned', actor: 'policy', at: at(5) };

function statusEv(serverId: string, from: string, to: string, time?: string): NewDriftEvent {
  return { type: 'status', ...(time ? { time } : {}), serverId, data: { from, to } } as NewDriftEvent;
}

/** Everything after `from`, following `next` until the log is drained. */
export async function drain(store: StatePort, from: string): Promise<{ events: DriftEvent[]; next: string }> {
  const events: DriftEvent[] = [];
  let next = from;
  for (;;) {
    const batch = await store.readEvents(next, 1000);
    expect(batch.reset).toBeNull();
    events.push(...batch.events);
    if (batch.events.length === 0) return { events, next };
    next = batch.next;
  }
}

/** The live event log: the same behaviour from every adapter. */
export function registerEventContract(name: string, harness: ClockedStoreHarness): void {
  describe(`event log contract: ${name}`, () => {
    let store: StatePort;
    let nowMs: number;
    let start: string;
    beforeEach(async () => {
      nowMs = Date.parse(at(0)) + 10 * 24 * 3600 * 1000;
      store = await harness.create({ now: () => new Date(nowMs) });
      start = (await store.readEvents(null, 10)).next;
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('appends events with increasing ids and reads them back in order from any position', async () => {
      const appended: string[] = [];
      for (let i = 0; i < 5; i++) appended.push(await store.appendEvent(statusEv(`s${i}`, 'pending', 'ok', i === 0 ? at(1) : undefined)));
      expect(new Set(appended).size).toBe(5);
      const { events } = await drain(store, start);
      expect(events.map((e) => e.id)).toEqual(appended);
      expect(events.map((e) => e.serverId)).toEqual(['s0', 's1', 's2', 's3', 's4']);
      expect(events[0]).toEqual({ id: appended[0], type: 'status', time: at(1), serverId: 's0', data: { from: 'pending', to: 'ok' } });
      expect(events[1]!.time).toBe(new Date(nowMs).toISOString()); // stamped by the store
      // Resume in the middle: exactly the later ones.
      expect((await drain(store, appended[2]!)).events.map((e) => e.id)).toEqual(appended.slice(3));
      // A batch limit is honoured and `next` continues after the batch.
      const two = await store.readEvents(start, 2);
      expect(two.events.map((e) => e.id)).toEqual(appended.slice(0, 2));
      expect((await store.readEvents(two.next, 10)).events.map((e) => e.id)).toEqual(appended.slice(2));
      // The current position, and nothing after it yet.
      const tail = (await store.readEvents(null, 10)).next;
      expect(await store.readEvents(tail, 10)).toEqual({ events: [], next: tail, reset: null });
    });

    it('the stores emit events where state changes, and only then', async () => {
      const alert = storedAlert({ id: 'al-1', serverId: 'mail' });
      expect(await store.insertAlert(alert)).toBe(true);
      expect(await store.insertAlert(alert)).toBe(false);
      await store.putAlert({ ...alert, status: 'resolved', resolvedAt: at(9), resolvedBy: 'differ' });
      const act = action('mail', 3, 'quarantine');
      await store.appendAudit(act);
      await store.appendAudit(act); // retried: recorded once, announced once
      await store.updateServerState('mail', { reachable: true, lastPollAt: at(1) }); // pending → pending
      await store.updateServerState('mail', { baselineFingerprint: 'fp' }); // → ok
      await store.updateServerState('mail', { lastPollAt: at(2) }); // still ok
      await store.quarantine('mail', qrec); // → quarantined
      expect(await store.quarantine('mail', qrec)).toBe(false); // already
      await store.updateServerState('mail', { drifted: true }); // still quarantined
      await store.release('mail'); // → drifted
      await store.updateServerState('mail', { reachable: false }); // → unreachable
      const { events } = await drain(store, start);
      const time = new Date(nowMs).toISOString();
      expect(events.map(({ id: _id, ...e }) => e)).toEqual([
        {
          type: 'alert',
          time,
          serverId: 'mail',
          data: {
            change: 'opened',
            alertId: 'al-1',
            kind: alert.alert.kind,
            severity: 'high',
            status: 'open',
            subject: 'echo',
            summary: alert.alert.summary,
            firstSeen: alert.firstSeen,
            lastSeen: alert.lastSeen,
          },
        },
        expect.objectContaining({ type: 'alert', data: expect.objectContaining({ change: 'resolved', status: 'resolved', resolvedBy: 'differ', resolvedAt: at(9) }) }),
        { type: 'action', time, serverId: 'mail', data: { actionId: act.id, action: 'quarantine', actor: 'policy', reason: act.reason } },
        { type: 'status', time, serverId: 'mail', data: { from: 'pending', to: 'ok' } },
        { type: 'status', time, serverId: 'mail', data: { from: 'ok', to: 'quarantined' } },
        { type: 'status', time, serverId: 'mail', data: { from: 'quarantined', to: 'drifted' } },
        { type: 'status', time, serverId: 'mail', data: { from: 'drifted', to: 'unreachable' } },
      ]);
    });

    it('announces an incident when it opens, is acknowledged or resolved, or its severity changes, and only then', async () => {
      const flap = { for: 1, keepFiringForS: 0 };
      const later = (ms: number) => new Date(Date.parse(at(0)) + ms);
      const join = (r: IncidentRecord, severity: 'high' | 'critical', ms: number) =>
        addAlert(r, { alert: storedAlert({ serverId: 'mail', severity, subject: `t${ms}` }).alert, receivers: ['pd'], flap, now: later(ms) });

      const v1 = (await store.putIncident(incident('mail', 0), 0))!;
      expect(await store.putIncident(incident('mail', 0), 0)).toBeNull(); // lost the compare-and-set: nothing
      // Bookkeeping only (the responder's flush): nothing the event shows changed.
      const v2 = (await store.putIncident({ ...v1, notify: { ...v1.notify, seq: 1, lastFlushAt: at(5) }, outbox: [] }, 1))!;
      const v3 = (await store.putIncident(join(v2, 'high', 10), 2))!; // one more alert, same severity: nothing
      expect(v3.alerts).toHaveLength(2);
      const v4 = (await store.putIncident(join(v3, 'critical', 20), 3))!;
      const v5 = (await store.putIncident(acknowledge(v4, 'key:alice', 'looking', later(30)), 4))!;
      expect(await store.putIncident(acknowledge(v4, 'key:bob', 'me too', later(31)), 4)).toBeNull();
      const v6 = (await store.putIncident(resolveByHuman(v5, 'key:alice', 'fixed', later(40)), 5))!;
      await store.putIncident({ ...v6, notify: { ...v6.notify, resolveSent: true } }, 6); // still resolved: nothing

      const time = new Date(nowMs).toISOString();
      const shown = (r: IncidentRecord, change: string, alertCount: number) => ({
        type: 'incident',
        time,
        serverId: 'mail',
        data: { change, incidentId: v1.id, status: r.status, severity: r.severity, title: r.title, alertCount },
      });
      const { events } = await drain(store, start);
      expect(events.map(({ id: _id, ...e }) => e)).toEqual([
        shown(v1, 'opened', 1),
        shown(v4, 'severity', 3),
        shown(v5, 'acknowledged', 3),
        shown(v6, 'resolved', 3),
      ]);
      expect([v1.severity, v4.severity, v5.status, v6.status]).toEqual(['high', 'critical', 'acknowledged', 'resolved']);
    });

    it('keeps incident events small: the title is cut whole characters at a time, and alerts beyond what the incident keeps are counted', async () => {
      const title = '\u{1F6A8}'.repeat(512); // the longest title a record holds (1,024 UTF-16 units)
      const stored = (await store.putIncident({ ...incident('mail', 0), title, droppedAlerts: 9_000 }, 0))!;
      // A new incident that is already resolved says so.
      await store.putIncident(resolveByHuman(incident('docs', 0), 'key:alice', 'noise', new Date(Date.parse(at(1)))), 0);
      const got = (await drain(store, start)).events;
      expect(got.map((e) => (e.type === 'incident' ? [e.serverId, e.data.change, e.data.alertCount] : e.type))).toEqual([
        ['mail', 'opened', 9_001],
        ['docs', 'resolved', 1],
      ]);
      const first = got[0]!;
      if (first.type !== 'incident') throw new Error('expected an incident event');
      expect(first.data.incidentId).toBe(stored.id);
      expect(first.data.title).toBe(`${'\u{1F6A8}'.repeat(255)}…`);
      expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(MAX_EVENT_BYTES);
    });

    it('keeps events small: a long reason is cut, unknown fields are dropped, an invalid event is refused', async () => {
      await store.appendAudit({ ...action('s1', 1), reason: 'r'.repeat(50_000) });
      const [ev] = (await drain(store, start)).events;
      expect(ev?.type === 'action' && ev.data.reason.length).toBe(1024);
      const huge = { type: 'alert', time: at(1), serverId: 's1', data: { change: 'opened', alertId: 'x'.repeat(5000) } } as unknown as NewDriftEvent;
      await expect(store.appendEvent(huge)).rejects.toThrow(/invalid event/);
      const big = statusEv('s1', 'ok', 'drifted', at(2));
      const padded = await store.appendEvent({ ...big, data: { from: 'ok', to: 'drifted', pad: 'p'.repeat(MAX_EVENT_BYTES) } } as unknown as NewDriftEvent);
      const read = (await drain(store, start)).events.find((e) => e.id === padded);
      expect(read?.data).toEqual({ from: 'ok', to: 'drifted' });
      await expect(store.appendEvent({ ...big, serverId: 'bad id' })).rejects.toThrow(/invalid event/);
      await expect(store.appendEvent({ ...big, type: 'nope' } as never)).rejects.toThrow(/invalid event/);
    });

    it('announces actions about no one server (keys, global silences) under serverId "*"', async () => {
      await store.appendAudit({ ...action('s1', 3), serverId: '*', action: 'key.create' });
      const events = (await drain(store, start)).events;
      expect(events.map((e) => [e.type, e.serverId])).toEqual([['action', '*']]);
    });

    it('says when an id cannot be resumed from: not one of its ids, or trimmed away', async () => {
      await store.appendEvent(statusEv('s1', 'pending', 'ok'));
      const tail = (await store.readEvents(null, 1)).next;
      for (const bad of ['garbage', '-1', '1e3', `${tail}0000`, '99999999999999']) {
        const batch = await store.readEvents(bad, 10);
        expect(batch).toEqual({ events: [], next: tail, reset: 'unknown_id' });
      }
      // Age: events older than 24 h are pruned; a reader from before them has missed events.
      nowMs += 25 * 3600 * 1000;
      const late = await store.appendEvent(statusEv('s2', 'pending', 'ok'));
      expect((await store.prune()).events).toBe(1);
      const batch = await store.readEvents(start, 10);
      expect(batch.reset).toBe('too_old');
      expect(batch.events).toEqual([]);
      expect(batch.next).toBe(late);
      expect((await drain(store, batch.next)).events).toEqual([]);
    });

    it(`retains a bounded number of events (about ${EVENT_RETAIN_COUNT})`, async () => {
      const total = EVENT_RETAIN_COUNT + 2_000;
      const appended: string[] = [];
      for (let i = 0; i < total; i += 500) {
        const chunk = Array.from({ length: Math.min(500, total - i) }, (_, j) => store.appendEvent(statusEv(`s${(i + j) % 10}`, 'pending', 'ok')));
        appended.push(...(await Promise.all(chunk)));
      }
      expect(new Set(appended).size).toBe(total);
      expect((await store.readEvents(start, 10)).reset).toBe('too_old');
      // At least EVENT_RETAIN_COUNT are kept (Redis trims whole nodes of ~100 entries: a few more).
      const kept = await drain(store, appended[total - EVENT_RETAIN_COUNT - 1]!);
      expect(kept.events.map((e) => e.id)).toEqual(appended.slice(total - EVENT_RETAIN_COUNT));
      expect(kept.next).toBe(appended[total - 1]);
      expect((await store.readEvents(appended[total - EVENT_RETAIN_COUNT - 300]!, 10)).reset).toBe('too_old');
    }, 120_000);
  });
}
