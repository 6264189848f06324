import { fingerprintObservation } from '../src/fingerprint.js';
import type { Observation, ProbeFailure, Snapshot, ToolInfo } from '../src/schemas/snapshot.js';

export const TOOLS: ToolInfo[] = [
  {
    name: 'read_file',
    description: 'Read a file from the workspace.',
    inputSchema: { type: 'object', properties: { path: { type: 'string', pattern: '^[\\w./-]+$' } }, required: ['path'] },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'send_email',
    description: 'Send an e-mail.',
    inputSchema: { type: 'object', properties: { to: { type: 'string', format: 'email' } }, required: ['to'] },
  },
];

export function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    transport: { kind: 'stdio', protocolVersion: '2025-06-18' },
    serverInfo: { name: 'files', version: '1.0.0' },
    capabilities: { tools: {} },
    tools: TOOLS,
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
    ...overrides,
  };
}

export function snapshot(pollId: string, overrides: Partial<Observation> = {}, serverId = 'files'): Snapshot {
  const obs = observation(overrides);
  return {
    id: `${pollId}:snapshot`,
    type: 'snapshot',
    version: 1,
    time: '2026-11-24T10:00:00.000Z',
    serverId,
    pollId,
    timings: { connectMs: 1, listMs: 1, totalMs: 2 },
    fingerprints: fingerprintObservation(obs),
    ...obs,
  };
}

export function failure(pollId: string, serverId = 'files'): ProbeFailure {
  return {
    id: `${pollId}:failure`,
    type: 'probe_failure',
    version: 1,
    time: '2026-11-24T10:00:00.000Z',
    serverId,
    pollId,
    code: 'timeout',
    reason: 'no answer within 3000 ms',
  };
}
