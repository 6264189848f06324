import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintObservation, makeBaseline, TOPICS, type Alert, type Baseline, type Observation, type Snapshot } from '@driftwatch/core';
import { createDiffer, inlineAnalyser } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const TOOL = {
  name: 'search',
  description: 'Search the docs.',
  inputSchema: { type: 'object', properties: { q: { type: 'string', maxLength: 200 } }, required: ['q'] },
};
const WIDENED = { ...TOOL, inputSchema: { type: 'object', properties: { q: { type: 'string' }, notes: { type: 'string' } }, required: ['q'] } };

function snap(pollId: string, tools: Observation['tools']): Snapshot {
  const obs: Observation = { transport: { kind: 'stdio' }, serverInfo: { name: 'docs', version: '1.0.0' }, capabilities: { tools: {} }, tools, prompts: [], resources: [], resourceTemplates: [], models: [], conformance: [] };
  return { id: `${pollId}:s`, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId: 'docs', pollId, timings: { connectMs: 1, listMs: 1, totalMs: 2 }, fingerprints: fingerprintObservation(obs), ...obs };
}

/**
 * A store that lost its baselines under a running differ: the hook that rebuilds them (the
 * distributed mode's state recovery) runs before a snapshot without a baseline is trusted.
 */
describe('differ: the store is checked before trust on first use', () => {
  let ports: EmbeddedPorts;
  afterEach(() => ports.close());

  it('compares against the baseline the hook restores instead of adopting the snapshot', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'docs', transport: 'stdio', command: 'node' }] });
    const alerts = await record<Alert>(ports.bus, TOPICS.alerts);
    const baselines = await record<Baseline>(ports.bus, TOPICS.baselines);
    const approved = makeBaseline(snap('p0', [TOOL]), { origin: 'approval', approvedBy: 'alice', reason: 'reviewed', now: new Date() });
    let calls = 0;
    const ensureState = async () => {
      calls++;
      // What the recovery does when the marker is missing: the approved baseline back from Kafka.
      if (!(await ports.store.getBaseline('docs'))) await ports.store.putBaseline(approved);
    };
    await createDiffer({ ...ports, analyser: inlineAnalyser, ensureState }).start();

    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('p1', [WIDENED]));
    await eventually(() => alerts.some((a) => a.kind === 'tool.input_schema_changed'));
    await eventually(async () => (await ports.store.getServerState('docs'))?.drifted === true);
    expect(calls).toBe(1);
    expect(baselines).toEqual([]);
    expect((await ports.store.getBaseline('docs'))?.fingerprint).toBe(approved.fingerprint);

    // With a baseline in the store the hook is not consulted again.
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('p2', [TOOL]));
    await eventually(async () => (await ports.store.getServerState('docs'))?.drifted === false);
    expect(calls).toBe(1);
  });

  it('trusts a genuinely new server on first use once the hook found nothing to restore', async () => {
    ports = await embeddedPorts({ servers: [{ id: 'docs', transport: 'stdio', command: 'node' }] });
    const baselines = await record<Baseline>(ports.bus, TOPICS.baselines);
    let calls = 0;
    await createDiffer({ ...ports, analyser: inlineAnalyser, ensureState: async () => void calls++ }).start();
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('p1', [TOOL]));
    await eventually(() => baselines.length === 1);
    expect(baselines[0]).toMatchObject({ origin: 'tofu' });
    expect(calls).toBe(1);
  });
});
