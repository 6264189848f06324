import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { makeQuarantineMessage, TOPICS, type Baseline } from '@driftwatch/core';
import type { CompactedState } from '@driftwatch/bus';
import { createRedisStore, type StatePort } from '@driftwatch/store';
import { baseline } from '../../../../packages/store/test/fixtures/builders.js';
import { incident } from '../../../../packages/store/test/incidents-contract.js';
import { deleteRedisPrefix } from '../../../../test/support/redis-prefix.js';
import { createStateRecovery, STATE_MARKER } from '../../src/recovery/state-recovery.js';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: run through the integration project (its globalSetup provides Redis)');
const silent = pino({ level: 'silent' });
const prefixes: string[] = [];
const stores: StatePort[] = [];

function newStore(): StatePort {
  const keyPrefix = `dwtest:recovery:${randomUUID().slice(0, 8)}:`;
  prefixes.push(keyPrefix);
  const store = createRedisStore({ url: url!, keyPrefix, logger: silent });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const p of prefixes) await deleteRedisPrefix(url!, p);
});

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** What the compacted topics would hold: an approved baseline, a quarantine, a released server. */
function topics(b: Baseline, extra: Partial<Record<string, Map<string, Buffer | null>>> = {}): CompactedState {
  const q = makeQuarantineMessage('evil', { reason: 'rug pull', alertId: 'alt_1', actor: 'policy', at: '2025-01-01T00:00:00.000Z' });
  return new Map([
    [TOPICS.baselines, new Map<string, Buffer | null>([[b.serverId, bytes(b)], ['gone', null], ['broken', Buffer.from('{"not":"a baseline"}')]])],
    [TOPICS.quarantines, new Map<string, Buffer | null>([['evil', bytes(q)], ['released', null]])],
    ...Object.entries(extra).map(([t, m]) => [t, m!] as const),
  ]);
}

describe('state recovery from the compacted topics (Redis store)', () => {
  it('restores active incidents (paged or not) the store lost, and keeps one it holds', async () => {
    const store = newStore();
    const lost = incident('evil', 1_000);
    const held = incident('other', 1_000);
    expect(await store.putIncident(held, 0)).not.toBeNull();
    const b = baseline('evil', { fingerprint: 'f'.repeat(64) });
    const incidents = new Map<string, Buffer | null>([
      [lost.id, bytes({ ...lost, version: 7 })],
      [held.id, bytes(held)],
      ['inc_resolved', null],
      ['inc_bad', Buffer.from('{"id":"inc_bad"}')],
    ]);
    const recovery = createStateRecovery({ store, read: async () => topics(b, { [TOPICS.incidents]: incidents }), logger: silent, instanceId: 'a' });
    expect(await recovery.ensure()).toMatchObject({ incidents: 1, kept: 1, invalid: 2 });
    const restored = await store.getIncident(lost.id);
    expect(restored).toMatchObject({ id: lost.id, serverId: 'evil', status: 'open', notify: lost.notify, version: 1 });
    // It is the group's open incident again: the rest of the change joins it, not a new one.
    expect((await store.getOpenIncidentByGroupKey(lost.groupKey))?.id).toBe(lost.id);
  });

  it('rebuilds baselines and quarantines when the marker is missing, and reads nothing once it is there', async () => {
    const store = newStore();
    const b = baseline('evil', { fingerprint: 'f'.repeat(64) });
    let reads = 0;
    const recovery = createStateRecovery({ store, read: async () => (reads++, topics(b)), logger: silent, instanceId: 'a' });
    expect(recovery.isRecovered()).toBe(false);

    const result = await recovery.ensure();
    expect(result).toMatchObject({ baselines: 1, quarantines: 1, invalid: 1, kept: 0 });
    expect((await store.getBaselineJson('evil'))?.fingerprint).toBe('f'.repeat(64));
    expect(await store.getBaseline('gone')).toBeNull();
    expect(await store.getQuarantine('evil')).toEqual({ reason: 'rug pull', alertId: 'alt_1', actor: 'policy', at: '2025-01-01T00:00:00.000Z' });
    expect(await store.getQuarantine('released')).toBeNull();
    expect(await store.isClaimed(STATE_MARKER)).toBe(true);
    expect(recovery.isRecovered()).toBe(true);

    // The marker is there: the topics are not read again.
    expect(await recovery.ensure()).toBeNull();
    expect(reads).toBe(1);
  });

  it('never overwrites what the store holds (written after the loss, so newer than the topic)', async () => {
    const store = newStore();
    const newer = baseline('evil', { fingerprint: '1'.repeat(64) });
    await store.putBaseline(newer);
    await store.quarantine('evil', { reason: 'quarantined again', actor: 'key:bob', at: '2025-02-01T00:00:00.000Z' });
    const recovery = createStateRecovery({ store, read: async () => topics(baseline('evil', { fingerprint: '0'.repeat(64) })), logger: silent, instanceId: 'a' });
    expect(await recovery.ensure()).toMatchObject({ baselines: 0, quarantines: 0, kept: 2 });
    expect((await store.getBaselineJson('evil'))?.fingerprint).toBe('1'.repeat(64));
    expect((await store.getQuarantine('evil'))?.reason).toBe('quarantined again');
  });

  it('lets one process rebuild while the others wait for its marker', async () => {
    const keyPrefix = `dwtest:recovery:${randomUUID().slice(0, 8)}:`;
    prefixes.push(keyPrefix);
    const a = createRedisStore({ url: url!, keyPrefix, logger: silent });
    const b = createRedisStore({ url: url!, keyPrefix, logger: silent });
    stores.push(a, b);
    let reads = 0;
    const read = async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 300));
      return topics(baseline('evil'));
    };
    const [ra, rb] = await Promise.all([
      createStateRecovery({ store: a, read, logger: silent, instanceId: 'a' }).ensure(),
      createStateRecovery({ store: b, read, logger: silent, instanceId: 'b' }).ensure(),
    ]);
    expect(reads).toBe(1);
    expect([ra, rb].filter((r) => r !== null)).toHaveLength(1);
    expect(await b.getQuarantine('evil')).not.toBeNull();
  });

  it('does not write the marker when the topics cannot be read, so the next start tries again', async () => {
    const store = newStore();
    const recovery = createStateRecovery({ store, read: async () => Promise.reject(new Error('broker down')), logger: silent, instanceId: 'a' });
    await expect(recovery.ensure()).rejects.toThrow('broker down');
    expect(await store.isClaimed(STATE_MARKER)).toBe(false);
    expect(recovery.isRecovered()).toBe(false);
  });
});
