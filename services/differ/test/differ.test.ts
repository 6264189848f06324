import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintObservation, TOPICS, type Alert, type Baseline, type Observation, type Snapshot } from '@driftwatch/core';
import { createDiffer, inlineAnalyser, threadAnalyser } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const TOOL = {
  name: 'search',
  description: 'Search the docs.',
  inputSchema: { type: 'object', properties: { q: { type: 'string', maxLength: 200 } }, required: ['q'] },
};

function snap(serverId: string, pollId: string, tools: Observation['tools'] = [TOOL]): Snapshot {
  const obs: Observation = {
    transport: { kind: 'stdio' },
    serverInfo: { name: serverId, version: '1.0.0' },
    capabilities: { tools: {} },
    tools,
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
  };
  return { id: `${pollId}:s`, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId, pollId, timings: { connectMs: 1, listMs: 1, totalMs: 2 }, fingerprints: fingerprintObservation(obs), ...obs };
}

describe('differ', () => {
  let ports: EmbeddedPorts;
  afterEach(() => ports.close());

  async function setup() {
    ports = await embeddedPorts({
      servers: [
        { id: 'docs', transport: 'stdio', command: 'node' },
        { id: 'gated', transport: 'stdio', command: 'node', approval: 'required' },
      ],
    });
    const alerts = await record<Alert>(ports.bus, TOPICS.alerts);
    const baselines = await record<Baseline>(ports.bus, TOPICS.baselines);
    await createDiffer({ ...ports, analyser: inlineAnalyser }).start();
    return { alerts, baselines };
  }

  it('adopts first sight as the baseline and publishes it to the compacted topic', async () => {
    const { alerts, baselines } = await setup();
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1'));
    await eventually(() => baselines.length === 1);
    expect(baselines[0]).toMatchObject({ serverId: 'docs', origin: 'tofu', fingerprint: snap('docs', 'p1').fingerprints.snapshot });
    expect((await ports.store.getBaseline('docs'))?.fingerprint).toBe(baselines[0]!.fingerprint);
    expect(alerts).toEqual([]);
  });

  it('keeps an approval-required server pending', async () => {
    const { baselines } = await setup();
    await ports.bus.publish(TOPICS.snapshots, 'gated', snap('gated', 'p1'));
    await eventually(() => ports.store.getLatestSnapshot('gated'));
    expect(await ports.store.getBaseline('gated')).toBeNull();
    expect(baselines).toEqual([]);
  });

  it('raises a schema-widening alert and resolves it when the server reverts', async () => {
    const { alerts } = await setup();
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1'));
    const widened = [{ ...TOOL, inputSchema: { type: 'object', properties: { q: { type: 'string' }, notes: { type: 'string' } }, required: ['q'] } }];
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p2', widened));
    await eventually(() => alerts.some((a) => a.kind === 'tool.input_schema_changed'));
    expect((await ports.store.getServerState('docs'))?.drifted).toBe(true);
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p3'));
    await eventually(() => alerts.some((a) => a.action === 'resolve' && a.kind === 'tool.input_schema_changed'));
    // Alerts are published before the state is recorded (at-least-once), so wait for the state.
    await eventually(async () => (await ports.store.getServerState('docs'))?.drifted === false);
  });

  it('sends a malformed snapshot to the DLQ and keeps consuming', async () => {
    const { baselines } = await setup();
    const dlq = await record(ports.bus, `${TOPICS.snapshots}.dlq`);
    await ports.bus.publishRaw(TOPICS.snapshots, 'docs', '{"type":"snapshot","serverId":"docs"}');
    await ports.bus.publishRaw(TOPICS.snapshots, 'docs', 'not json');
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1'));
    await eventually(() => baselines.length === 1 && dlq.length === 2);
  });

  it('ignores snapshots of servers outside its catalog', async () => {
    const { alerts, baselines } = await setup();
    await ports.bus.publish(TOPICS.snapshots, 'other', snap('other', 'p1'));
    await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1'));
    await eventually(() => baselines.length === 1);
    expect(baselines.map((b) => b.serverId)).toEqual(['docs']);
    expect(await ports.store.getBaseline('other')).toBeNull();
    expect(alerts).toEqual([]);
  });
});

describe('differ after a crash on the embedded bus', () => {
  it('raises again a finding whose alert the responder never recorded', async () => {
    const ports = await embeddedPorts({ servers: [{ id: 'docs', transport: 'stdio', command: 'node' }] });
    try {
      await ports.store.putBaseline({ id: 'b', type: 'baseline', version: 1, time: new Date().toISOString(), serverId: 'docs', fingerprint: snap('docs', 'p0').fingerprints.snapshot, approvedBy: 'tofu', reason: 'x', origin: 'tofu', snapshot: snap('docs', 'p0') });
      // The differ had published this alert, then the process died before the responder saw it.
      await ports.store.putOpenFindings('docs', { 'docs|tool.added|x': { alertId: 'lost', evidenceFingerprint: 'e', severity: 'medium', kind: 'tool.added', subject: 'x' } });
      const alerts = await record<Alert>(ports.bus, TOPICS.alerts);
      // The real thing: analyses on a worker thread.
      const differ = createDiffer({ ...ports, reconcileOnStart: true, analyser: threadAnalyser({ logger: ports.logger }) });
      await differ.start();
      try {
        expect(await ports.store.getOpenFindings('docs')).toEqual({});
        await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1', [TOOL, { ...TOOL, name: 'x' }]));
        await eventually(() => alerts.some((a) => a.kind === 'tool.added' && a.subject === 'x' && a.action === 'trigger'), 30_000);
      } finally {
        await differ.close();
      }
    } finally {
      await ports.close();
    }
  }, 60_000);
});

describe('differ on a snapshot it cannot analyse in time', () => {
  it('fails closed with one high server.unverifiable alert, and resolves it once analyses succeed again', async () => {
    const ports = await embeddedPorts({ servers: [{ id: 'docs', transport: 'stdio', command: 'node' }] });
    const alerts = await record<Alert>(ports.bus, TOPICS.alerts);
    // A budget no analysis can meet stands in for a surface built to be expensive.
    let budget = 1;
    const slow = threadAnalyser({ logger: ports.logger, taskTimeoutMs: 1 });
    const fast = inlineAnalyser;
    const differ = createDiffer({
      ...ports,
      analyser: { analyse: (t) => (budget === 1 ? slow.analyse(t) : fast.analyse(t)), toolNames: (t) => fast.toolNames(t), close: () => slow.close() },
    });
    await differ.start();
    try {
      await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1'));
      await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p2'));
      await eventually(() => alerts.length >= 1, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(alerts.map((a) => [a.kind, a.subject, a.severity, a.action])).toEqual([['server.unverifiable', 'analysis', 'high', 'trigger']]);
      budget = 20_000;
      await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p3'));
      await eventually(() => alerts.some((a) => a.action === 'resolve' && a.kind === 'server.unverifiable'), 30_000);
    } finally {
      await differ.close();
      await ports.close();
    }
  }, 60_000);
});

describe('differ with rule tuning', () => {
  it('records every suppression once in the audit trail, with its reason', async () => {
    const ports = await embeddedPorts({
      servers: [{ id: 'docs', transport: 'stdio', command: 'node' }],
      rules: { suppress: [{ ruleId: 'hidden-markers', serverId: 'docs', reason: 'vendor uses <IMPORTANT> for formatting; reviewed 2026-11' }] },
    });
    try {
      const alerts = await record<Alert>(ports.bus, TOPICS.alerts);
      await createDiffer({ ...ports, analyser: inlineAnalyser }).start();
      const marked = [{ ...TOOL, description: 'Search the docs. <IMPORTANT>Results are cached.</IMPORTANT>' }];
      await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p1', marked));
      await ports.bus.publish(TOPICS.snapshots, 'docs', snap('docs', 'p2', marked));
      await eventually(async () => (await ports.store.getServerState('docs'))?.lastPollId === 'p2');
      const audit = await ports.store.listAudit(10, 'docs');
      const sup = audit.filter((a) => a.action === 'suppress');
      expect(sup).toHaveLength(1);
      expect(sup[0]).toMatchObject({ actor: 'rule-tuning', reason: 'vendor uses <IMPORTANT> for formatting; reviewed 2026-11', details: { ruleId: 'hidden-markers' } });
      expect(alerts.filter((a) => a.kind === 'content.hidden-markers')).toEqual([]);
    } finally {
      await ports.close();
    }
  });
});
