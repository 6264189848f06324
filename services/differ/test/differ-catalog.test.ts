import { afterEach, describe, expect, it } from 'vitest';
import { CatalogEntry, fingerprintObservation, TOPICS, type Baseline, type CatalogReader, type Observation, type Snapshot } from '@driftwatch/core';
import { createDiffer, inlineAnalyser } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

function snap(serverId: string, pollId: string): Snapshot {
  const obs: Observation = {
    transport: { kind: 'stdio' },
    serverInfo: { name: serverId, version: '1.0.0' },
    capabilities: { tools: {} },
    tools: [{ name: 'search', description: 'Search the docs.', inputSchema: { type: 'object' } }],
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
  };
  return { id: `${pollId}:s`, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId, pollId, timings: { connectMs: 1, listMs: 1, totalMs: 2 }, fingerprints: fingerprintObservation(obs), ...obs };
}

/** A view that has not heard of anything yet (its topic message is still on the way). */
function emptyView(): CatalogReader {
  return { list: () => [], get: () => undefined, has: () => false, onChange: () => () => undefined };
}

describe('differ on the living catalog', () => {
  let ports: EmbeddedPorts;
  afterEach(() => ports.close());

  it('handles a snapshot of a server its view has not seen yet when the store has it; ignores one the store has not', async () => {
    ports = await embeddedPorts({ servers: [] });
    const baselines = await record<Baseline>(ports.bus, TOPICS.baselines);
    const view = emptyView();
    const differ = createDiffer({ ...ports, analyser: inlineAnalyser, catalog: view });
    await differ.start();
    await ports.store.putCatalogEntry(CatalogEntry.parse({ id: 'just-added', transport: 'stdio', command: 'node' }));
    await ports.bus.publish(TOPICS.snapshots, 'stranger', snap('stranger', 'p0'));
    await ports.bus.publish(TOPICS.snapshots, 'just-added', snap('just-added', 'p1'));
    await eventually(() => baselines.length === 1);
    expect(baselines.map((b) => b.serverId)).toEqual(['just-added']);
    await eventually(async () => /outcome="unknown_server"\} 1/.test(await ports.metrics.registry.getSingleMetricAsString('driftwatch_snapshots_processed_total')));
    await differ.close();
  });
});
