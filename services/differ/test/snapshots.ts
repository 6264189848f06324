import { evaluationKeyOf, fingerprintObservation, type Observation, type Snapshot, type TransportFacts } from '@driftwatch/core';

export type Tool = Observation['tools'][number];

export const tool = (name: string, description: string): Tool => ({ name, description, inputSchema: { type: 'object', properties: {} } });

/**
 * A snapshot as the poller serialises it: the head fields first, evaluationKey included (see the
 * probe's toSnapshotMessage), so the differ's fast path sees what it sees in production.
 */
export function snapshotOf(serverId: string, pollId: string, tools: Tool[], transport: TransportFacts = { kind: 'stdio' }): Snapshot {
  const obs: Observation = {
    transport,
    serverInfo: { name: serverId, version: '1.0.0' },
    capabilities: { tools: {} },
    tools,
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
  };
  const fingerprints = fingerprintObservation(obs);
  return {
    id: `${pollId}:snapshot`,
    type: 'snapshot',
    version: 1,
    time: new Date().toISOString(),
    serverId,
    pollId,
    evaluationKey: evaluationKeyOf(fingerprints.snapshot, obs.transport),
    timings: { connectMs: 1, listMs: 1, totalMs: 2 },
    fingerprints,
    ...obs,
  };
}
