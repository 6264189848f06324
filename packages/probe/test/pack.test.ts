import { describe, expect, it } from 'vitest';
import { evaluationKeyOf, peekSnapshotHead, Snapshot, type Observation } from '@driftwatch/core';
import { packPoll } from '../src/pack.js';

const observation = (sandbox: 'bwrap' | 'none'): Observation => ({
  transport: { kind: 'stdio', sandbox: { mode: sandbox } },
  serverInfo: { name: 'docs', version: '1.0.0' },
  capabilities: { tools: {} },
  tools: [{ name: 'search', description: 'Search the "docs".', inputSchema: { type: 'object' } }],
  prompts: [],
  resources: [],
  resourceTemplates: [],
  models: [],
  conformance: [],
});
const server = { id: 'docs', transport: 'stdio', command: 'node', timeout: 10 } as never;
const timings = { connectMs: 1, listMs: 1, totalMs: 2 };

describe('packPoll: the snapshot head the differ reads without decoding', () => {
  it('starts with the fields peekSnapshotHead reads, and they agree with the body', () => {
    const { json } = packPoll(server, 'poll "7"\\x', { ok: true, observation: observation('bwrap'), timings }, new Date('2026-12-03T07:00:00.000Z'));
    const body = Snapshot.parse(JSON.parse(json));
    const head = peekSnapshotHead(Buffer.from(json));
    expect(head).toEqual({ time: body.time, serverId: 'docs', pollId: 'poll "7"\\x', evaluationKey: body.evaluationKey });
    expect(body.evaluationKey).toBe(evaluationKeyOf(body.fingerprints.snapshot, body.transport));
  });

  it('gives another evaluation key when only the sandbox facts differ (they are outside the fingerprint)', () => {
    const a = Snapshot.parse(JSON.parse(packPoll(server, 'p1', { ok: true, observation: observation('bwrap'), timings }, new Date()).json));
    const b = Snapshot.parse(JSON.parse(packPoll(server, 'p2', { ok: true, observation: observation('none'), timings }, new Date()).json));
    expect(a.fingerprints.snapshot).toBe(b.fingerprints.snapshot);
    expect(a.evaluationKey).not.toBe(b.evaluationKey);
  });

  it('has no head for a probe failure or for text that only looks like one', () => {
    const { json } = packPoll(server, 'p1', { ok: false, code: 'timeout', reason: 'slow', timings }, new Date());
    expect(peekSnapshotHead(Buffer.from(json))).toBeNull();
    expect(peekSnapshotHead(Buffer.from('{"id":"x","type":"snapshot","version":1,"time":"2026-12-03T07:00:00Z","serverId":"a b","pollId":"p","evaluationKey":"' + 'a'.repeat(64) + '"'))).toBeNull();
    expect(peekSnapshotHead(Buffer.from(''))).toBeNull();
  });
});
