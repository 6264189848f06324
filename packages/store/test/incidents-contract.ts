import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acknowledge,
  openIncident,
  resolveByHuman,
  type Alert,
  type DeliveryRecord,
  type IncidentRecord,
  type Silence,
} from '@driftwatch/core';
import type { StatePort } from '../src/index.js';
import type { StoreHarness } from './contract.js';
import { at } from './fixtures/builders.js';

let n = 0;

function alert(serverId: string, over: Partial<Alert> = {}): Alert {
  const id = `alr-${process.pid}-${++n}`;
  return {
    id,
    type: 'alert',
    version: 1,
    time: at(0),
    serverId,
    action: 'trigger',
    dedupKey: `${serverId}|tool.description_changed|t${n}`,
    kind: 'tool.description_changed',
    subject: `t${n}`,
    severity: 'high',
    summary: `[${serverId}] changed`,
    explanation: 'x',
    remediation: 'y',
    evidence: { before: 'a', after: 'b' },
    ...over,
  };
}

export function incident(serverId: string, openedMs: number, over: Partial<Alert> = {}, groupKey = `${serverId}`): IncidentRecord {
  return openIncident({
    alert: alert(serverId, over),
    groupKey,
    receivers: ['pd'],
    timing: { groupWaitS: 5, groupIntervalS: 60, repeatIntervalS: 3600 },
    tags: ['prod'],
    flap: { for: 1, keepFiringForS: 0 },
    now: new Date(Date.parse(at(openedMs))),
  });
}

function delivery(incidentId: string, seq: number, receiver: string, over: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const key = `${incidentId}:${seq}:trigger:${receiver}`;
  return {
    key,
    incidentId,
    serverId: 'mail',
    receiver,
    seq,
    transition: 'trigger',
    status: 'pending',
    attempts: 0,
    createdAt: at(1),
    nextAttemptAt: at(1),
    notification: {
      incident: {
        id: incidentId,
        serverId: 'mail',
        groupKey: 'mail',
        status: 'open',
        severity: 'high',
        title: 't',
        alerts: [],
        tags: [],
        openedAt: at(0),
        lastChangeAt: at(0),
        quarantined: true,
      },
      transition: 'trigger',
      idempotencyKey: key,
      time: at(1),
      links: {},
    },
    ...over,
  };
}

function silence(id: string, createdMs: number): Silence {
  return { id, matchers: { serverId: 'mail', kind: 'tool.*' }, author: 'alice', comment: 'maintenance', startsAt: at(0), endsAt: at(3_600_000), createdAt: at(createdMs) };
}

/** Incidents, silences and deliveries: the behaviour every StatePort adapter must share. */
export function registerIncidentStoreContract(name: string, harness: StoreHarness): void {
  describe(`IncidentStatePort contract: ${name}`, () => {
    let store: StatePort;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    it('creates an incident with compare-and-set and finds it by id and open group key', async () => {
      const r = incident('mail', 0);
      expect(await store.getIncident(r.id)).toBeNull();
      const stored = await store.putIncident(r, 0);
      expect(stored?.version).toBe(1);
      expect(await store.getIncident(r.id)).toEqual(stored);
      expect((await store.getOpenIncidentByGroupKey('mail'))?.id).toBe(r.id);
      // A second create, or a write against a stale version, loses.
      expect(await store.putIncident(r, 0)).toBeNull();
      const acked = acknowledge(stored!, 'alice', 'on it', new Date(Date.parse(at(10))));
      expect((await store.putIncident(acked, 1))?.version).toBe(2);
      expect(await store.putIncident(acked, 1)).toBeNull();
      expect((await store.getIncident(r.id))?.status).toBe('acknowledged');
    });

    it('refuses a second unresolved incident for one group key until the first resolves', async () => {
      const first = (await store.putIncident(incident('mail', 0), 0))!;
      const rival = incident('mail', 5);
      expect(rival.id).not.toBe(first.id);
      expect(await store.putIncident(rival, 0)).toBeNull();
      const resolved = resolveByHuman(first, 'alice', 'fixed', new Date(Date.parse(at(6))));
      await store.putIncident({ ...resolved, notify: { ...resolved.notify } }, first.version);
      expect(await store.getOpenIncidentByGroupKey('mail')).toBeNull();
      expect((await store.putIncident(rival, 0))?.id).toBe(rival.id);
      expect((await store.getOpenIncidentByGroupKey('mail'))?.id).toBe(rival.id);
    });

    it('lists newest first with filters and a cursor', async () => {
      const a = (await store.putIncident(incident('mail', 1000, { severity: 'low' }, 'mail|a'), 0))!;
      const b = (await store.putIncident(incident('mail', 2000, { severity: 'critical' }, 'mail|b'), 0))!;
      const c = (await store.putIncident(incident('docs', 3000, { severity: 'high' }, 'docs'), 0))!;
      const d = (await store.putIncident(incident('docs', 3000, { severity: 'medium' }, 'docs|x'), 0))!;
      const all = await store.listIncidents();
      const ties = [c, d].sort((x, y) => (x.id < y.id ? 1 : -1)).map((r) => r.id);
      expect(all.map((r) => r.id)).toEqual([...ties, b.id, a.id]);
      expect((await store.listIncidents({ serverId: 'mail' })).map((r) => r.id)).toEqual([b.id, a.id]);
      expect((await store.listIncidents({ minSeverity: 'high' })).map((r) => r.id).sort()).toEqual([b.id, c.id].sort());
      const page1 = await store.listIncidents({ limit: 2 });
      expect(page1.map((r) => r.id)).toEqual(ties);
      const last = page1[1]!;
      const page2 = await store.listIncidents({ limit: 2, before: { openedAt: last.openedAt, id: last.id } });
      expect(page2.map((r) => r.id)).toEqual([b.id, a.id]);
      const resolved = resolveByHuman(b, 'alice', 'done', new Date(Date.parse(at(4000))));
      await store.putIncident(resolved, b.version);
      expect((await store.listIncidents({ status: 'resolved' })).map((r) => r.id)).toEqual([b.id]);
      expect((await store.listIncidents({ status: 'active' })).map((r) => r.id)).not.toContain(b.id);
    });

    it('keeps incidents with work left in the attention index', async () => {
      const r = (await store.putIncident(incident('mail', 0), 0))!;
      expect((await store.listIncidentsNeedingAttention()).map((x) => x.id)).toEqual([r.id]);
      const done = resolveByHuman(r, 'alice', 'noise', new Date(Date.parse(at(1))));
      expect(done.notify.nextFlushAt).toBeUndefined();
      await store.putIncident(done, r.version);
      expect(await store.listIncidentsNeedingAttention()).toEqual([]);
    });

    it('stores, lists (newest first) and deletes silences', async () => {
      await store.putSilence(silence('s1', 1));
      await store.putSilence(silence('s2', 2));
      expect(await store.getSilence('s1')).toEqual(silence('s1', 1));
      expect((await store.listSilences()).map((s) => s.id)).toEqual(['s2', 's1']);
      expect(await store.deleteSilence('s1')).toEqual(silence('s1', 1));
      expect(await store.deleteSilence('s1')).toBeNull();
      expect((await store.listSilences()).map((s) => s.id)).toEqual(['s2']);
    });

    it('creates a delivery once per idempotency key and tracks the open ones', async () => {
      const d1 = delivery('inc-1', 1, 'pd');
      const d2 = delivery('inc-1', 1, 'slack');
      const d3 = delivery('inc-1', 2, 'pd', { transition: 'resolve', key: 'inc-1:2:resolve:pd' });
      expect(await store.createDelivery(d1)).toBe(true);
      expect(await store.createDelivery({ ...d1, attempts: 5 })).toBe(false);
      expect((await store.getDelivery(d1.key))?.attempts).toBe(0);
      await store.createDelivery(d3);
      await store.createDelivery(d2);
      expect((await store.listDeliveries('inc-1')).map((d) => d.key)).toEqual([d1.key, d2.key, d3.key]);
      expect((await store.listOpenDeliveries()).map((d) => d.key).sort()).toEqual([d1.key, d2.key, d3.key].sort());
      await store.putDelivery({ ...d1, status: 'delivered', attempts: 1, deliveredAt: at(2) });
      await store.putDelivery({ ...d2, status: 'failed', attempts: 10, failedAt: at(2), lastError: 'HTTP 400' });
      expect((await store.listOpenDeliveries()).map((d) => d.key)).toEqual([d3.key]);
      expect((await store.getDelivery(d1.key))?.status).toBe('delivered');
      expect(await store.listDeliveries('nope')).toEqual([]);
    });
  });
}
