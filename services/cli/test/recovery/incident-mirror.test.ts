import { afterEach, describe, expect, it } from 'vitest';
import { resolveByHuman, TOPICS, type IncidentRecord } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import { embeddedPorts, eventually, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { incident } from '../../../../packages/store/test/incidents-contract.js';
import { mirrorIncidents } from '../../src/recovery/incident-mirror.js';

describe('incident mirror (active incidents on mcp.incidents.v1)', () => {
  let ports: EmbeddedPorts;
  afterEach(() => ports.close());

  async function topic(): Promise<Array<{ key: string; value: IncidentRecord | null }>> {
    const seen: Array<{ key: string; value: IncidentRecord | null }> = [];
    await ports.bus.subscribe<IncidentRecord | null>({ groupId: 'mirror-test', topic: TOPICS.incidents, tombstones: true, decode: (v) => v as IncidentRecord, handler: async (m) => void seen.push({ key: m.key, value: m.value }) });
    return seen;
  }

  it('publishes what the store accepted, a tombstone once resolved, and nothing for a lost compare-and-set', async () => {
    ports = await embeddedPorts({ servers: [] });
    const seen = await topic();
    const store = mirrorIncidents(ports.store, ports.bus, ports.logger);
    const opened = (await store.putIncident(incident('mail', 1_000), 0))!;
    await eventually(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ key: opened.id, value: { id: opened.id, version: 1, status: 'open' } });
    // A stale writer loses the compare-and-set: the store refuses, the topic hears nothing.
    expect(await store.putIncident(incident('mail', 1_000), 0)).toBeNull();
    const resolved = resolveByHuman(opened, 'alice', 'fixed', new Date());
    expect(await store.putIncident(resolved, opened.version)).not.toBeNull();
    await eventually(() => seen.length === 2);
    expect(seen[1]).toEqual({ key: opened.id, value: null });
  });

  it('keeps the store write when Kafka refuses the publish (the next write publishes again)', async () => {
    ports = await embeddedPorts({ servers: [] });
    const failing = { ...ports.bus, publish: async () => Promise.reject(new Error('broker down')) } as unknown as BusPort;
    const store = mirrorIncidents(ports.store, failing, ports.logger);
    const opened = await store.putIncident(incident('mail', 1_000), 0);
    expect(opened).not.toBeNull();
    expect(await ports.store.getIncident(opened!.id)).toMatchObject({ version: 1 });
  });
});
