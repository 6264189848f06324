import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintObservation, fingerprintTool, TOPICS, type Action, type Alert, type Observation, type Snapshot, type ToolInfo } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { createDiffer, inlineAnalyser } from '../../differ/src/index.js';
import { createResponder } from '../../responder/src/index.js';
import { approveTool, ConflictError, createAllowlistCache, getAllowlist, reject, rejectTool, release } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

/*
 * The consent operations against the real pipeline on embedded ports: snapshots go through the
 * differ (inline analyses) and the responder (records alerts, quarantines at `quarantineAt`),
 * the operations act on what they stored, and the allowlist reads the result.
 */

const READ: ToolInfo = { name: 'read_file', description: 'Read a file from the workspace.', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };
const SEND: ToolInfo = { name: 'send_email', description: 'Send an e-mail.', inputSchema: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } };
// Swapped descriptions with nothing the content rules flag: these tests are about drift and consent.
const READ_V2: ToolInfo = { ...READ, description: 'Read a file from the workspace, with caching.' };
const READ_V3: ToolInfo = { ...READ, description: 'Read a file from the workspace, with caching and retries.' };
const SEND_V2: ToolInfo = { ...SEND, inputSchema: { type: 'object', properties: { to: { type: 'string' }, cc: { type: 'string' } }, required: ['to'] } };
const fp = (t: ToolInfo) => fingerprintTool(t).tool;

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
let tick = 0;
const now = () => new Date(T0 + ++tick * 1000);

function snap(pollId: string, tools: ToolInfo[], extra: Partial<Observation> = {}, serverId = 'files'): Snapshot {
  const obs: Observation = {
    transport: { kind: 'stdio' },
    serverInfo: { name: 'files', version: '1.0.0' },
    capabilities: { tools: {} },
    tools,
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
    ...extra,
  };
  return { id: `${pollId}:s`, type: 'snapshot', version: 1, time: new Date(T0).toISOString(), serverId, pollId, timings: { connectMs: 1, listMs: 1, totalMs: 2 }, fingerprints: fingerprintObservation(obs), ...obs };
}

describe('consent operations on the embedded pipeline', () => {
  let ports: EmbeddedPorts;
  let alerts: Alert[];
  let actions: Action[];
  afterEach(() => ports.close());

  async function setup(quarantineAt: 'high' | 'critical' = 'critical') {
    ports = await embeddedPorts({
      quarantineAt,
      servers: [
        { id: 'files', transport: 'stdio', command: 'node' },
        { id: 'gated', transport: 'stdio', command: 'node', approval: 'required' },
      ],
    });
    alerts = await record<Alert>(ports.bus, TOPICS.alerts);
    actions = await record<Action>(ports.bus, TOPICS.actions);
    await createDiffer({ ...ports, analyser: inlineAnalyser, now }).start();
    await createResponder({ ...ports, now }).start();
  }

  const deps = () => ({ bus: ports.bus, store: ports.store, now });
  const triggers = () => alerts.filter((a) => a.action === 'trigger').map((a) => `${a.kind}:${a.subject}`);
  const allowlist = async () => {
    const r = await getAllowlist(deps(), ['files', 'gated']);
    if (r.status !== 200) throw new Error('expected a body');
    return r.body;
  };
  const entry = async (id = 'files') => (await allowlist()).servers.find((s) => s.id === id)!;
  const openAlerts = async () => (await ports.store.listAlerts({ serverId: 'files', status: 'open' })).map((s) => `${s.alert.kind}:${s.alert.subject}`).sort();

  /** Publishes a snapshot and waits until the differ recorded it and the responder stored its alerts. */
  async function poll(s: Snapshot, expectTriggers = 0): Promise<void> {
    const before = alerts.filter((a) => a.action === 'trigger').length;
    await ports.bus.publish(TOPICS.snapshots, s.serverId, s);
    await eventually(async () => (await ports.store.getServerState(s.serverId))?.lastPollId === s.pollId);
    if (expectTriggers > 0) {
      await eventually(() => alerts.filter((a) => a.action === 'trigger').length >= before + expectTriggers);
      const fresh = alerts.filter((a) => a.action === 'trigger').slice(before);
      await eventually(async () => (await Promise.all(fresh.map((a) => ports.store.getAlert(a.id)))).every(Boolean));
    }
    // Nothing else is on its way: the in-process bus delivers in order, and we waited for the state.
    await new Promise((r) => setTimeout(r, 50));
  }

  it('approving one of two changed tools leaves the other alerting and blocked', async () => {
    await setup();
    await poll(snap('p1', [READ, SEND]));
    await poll(snap('p2', [READ_V2, SEND_V2]), 2);
    expect(await openAlerts()).toEqual(['tool.description_changed:read_file', 'tool.input_schema_changed:send_email']);

    const r = await approveTool(deps(), 'files', 'send_email', 'key:ops (k_1)', 'cc is expected');
    expect(r).toMatchObject({ tool: 'send_email', fingerprint: fp(SEND_V2), drifted: true, resolvedAlerts: 1, clearedRejection: false, alsoRemoved: [] });
    expect(await openAlerts()).toEqual(['tool.description_changed:read_file']);
    const baseline = await ports.store.getBaseline('files');
    expect(baseline).toMatchObject({ origin: 'approval', approvedBy: 'key:ops (k_1)', reason: 'cc is expected', fingerprint: r.baselineFingerprint });
    expect((await ports.store.getServerState('files'))?.baselineFingerprint).toBe(r.baselineFingerprint);

    let e = await entry();
    expect(e).toMatchObject({ status: 'drifted', allowed: false, baselineFingerprint: r.baselineFingerprint });
    expect(e.tools).toEqual([
      { name: 'read_file', fingerprint: fp(READ) },
      { name: 'send_email', fingerprint: fp(SEND_V2) },
    ]);
    expect(e.blocked).toEqual([{ name: 'read_file', reason: 'drifted', fingerprint: fp(READ_V2) }]);

    // The next poll of the same surface: the approved tool is quiet, the other stays open (once).
    const n = triggers().length;
    await poll(snap('p3', [READ_V2, SEND_V2]));
    expect(triggers().length).toBe(n);
    expect(await openAlerts()).toEqual(['tool.description_changed:read_file']);
    expect((await ports.store.getServerState('files'))?.drifted).toBe(true);

    const last = await approveTool(deps(), 'files', 'read_file', 'key:ops (k_1)', 'caching reviewed', { fingerprint: fp(READ_V2) });
    expect(last).toMatchObject({ drifted: false, resolvedAlerts: 1 });
    e = await entry();
    expect(e).toMatchObject({ status: 'ok', allowed: true, blocked: [] });
    expect((await allowlist()).allowed).toEqual(['files']);
    expect(last.baselineFingerprint).toBe(snap('p3', [READ_V2, SEND_V2]).fingerprints.snapshot);
    await eventually(() => actions.filter((a) => a.action === 'tool.approve').length === 2);
    expect(actions.find((a) => a.action === 'tool.approve')).toMatchObject({ serverId: 'files', actor: 'key:ops (k_1)', reason: 'cc is expected', details: { tool: 'send_email' } });
    expect((await ports.store.listAudit(10, 'files')).map((a) => a.action)).toEqual(['tool.approve', 'tool.approve']);
  });

  it('a rejected tool stays blocked while the others are usable; the same version raises nothing again, a new one alerts', async () => {
    await setup('high');
    await poll(snap('p1', [READ, SEND]));
    await poll(snap('p2', [READ_V2, SEND]), 1);
    // The description change is high: the responder quarantined the server.
    await eventually(() => ports.store.getQuarantine('files'));

    const r = await rejectTool(deps(), 'files', 'read_file', 'oidc:alice@example.com', 'caching leaks other tenants’ files');
    expect(r).toMatchObject({ fingerprint: fp(READ_V2), drifted: false, resolvedAlerts: 1, quarantined: true });
    expect(await ports.store.listToolRejections('files')).toEqual([
      { serverId: 'files', tool: 'read_file', fingerprint: fp(READ_V2), actor: 'oidc:alice@example.com', reason: 'caching leaks other tenants’ files', at: expect.any(String), actionId: r.actionId },
    ]);
    expect(await openAlerts()).toEqual([]);
    // A reject does not lift the quarantine; a human releases it.
    expect((await entry()).allowed).toBe(false);
    await release(deps(), { id: 'files' } as never, 'oidc:alice@example.com', 'read_file is blocked; the rest is fine');

    let doc = await allowlist();
    let e = doc.servers.find((s) => s.id === 'files')!;
    expect(e).toMatchObject({ status: 'ok', allowed: true });
    expect(e.tools).toEqual([
      { name: 'read_file', fingerprint: fp(READ) },
      { name: 'send_email', fingerprint: fp(SEND) },
    ]);
    expect(e.blocked).toEqual([{ name: 'read_file', reason: 'rejected', fingerprint: fp(READ_V2), detail: 'caching leaks other tenants’ files' }]);
    expect(doc.allowed).toEqual([]); // usable only by gateways that block per tool

    // Polls of the rejected version: nothing new, no quarantine again.
    const n = triggers().length;
    await poll(snap('p3', [READ_V2, SEND]));
    await poll(snap('p4', [READ_V2, SEND]));
    // Even after the server flipped back to the approved version and again to the rejected one
    // (the differ had forgotten the finding in between): the decision holds.
    await poll(snap('p4a', [READ, SEND]));
    await poll(snap('p4b', [READ_V2, SEND]));
    expect(triggers().length).toBe(n);
    expect(await ports.store.getQuarantine('files')).toBeNull();
    expect((await ports.store.getServerState('files'))?.drifted).toBe(false);
    expect(actions.filter((a) => a.action === 'quarantine')).toHaveLength(1);

    // A new version of the same tool is a new change: it alerts (and quarantines) again.
    await poll(snap('p5', [READ_V3, SEND]), 1);
    expect(triggers().slice(n)).toEqual(['tool.description_changed:read_file']);
    await eventually(() => ports.store.getQuarantine('files'));
    expect((await ports.store.getServerState('files'))?.drifted).toBe(true);
    e = await entry();
    expect(e.blocked).toEqual([{ name: 'read_file', reason: 'drifted', fingerprint: fp(READ_V3) }]);
    doc = await allowlist();
    expect(doc.servers.find((s) => s.id === 'files')?.status).toBe('quarantined');

    await eventually(() => actions.some((a) => a.action === 'tool.reject'));
    expect(actions.find((a) => a.action === 'tool.reject')).toMatchObject({ actor: 'oidc:alice@example.com', reason: 'caching leaks other tenants’ files', details: { tool: 'read_file', fingerprint: fp(READ_V2), quarantined: true } });
  });

  it('approving a rejected tool withdraws the rejection and pins that version', async () => {
    await setup();
    await poll(snap('p1', [READ, SEND]));
    await poll(snap('p2', [READ_V2, SEND]), 1);
    await rejectTool(deps(), 'files', 'read_file', 'alice', 'not yet');
    const r = await approveTool(deps(), 'files', 'read_file', 'bob', 'reviewed again');
    expect(r).toMatchObject({ clearedRejection: true, drifted: false, fingerprint: fp(READ_V2) });
    expect(await ports.store.listToolRejections('files')).toEqual([]);
    const e = await entry();
    expect(e.tools.find((t) => t.name === 'read_file')?.fingerprint).toBe(fp(READ_V2));
    expect(e.blocked).toEqual([]);
  });

  it('a whole-server reject refuses every changed tool and quarantines with the reason; the baseline stays', async () => {
    await setup();
    await poll(snap('p1', [READ, SEND]));
    const baseline = await ports.store.getBaseline('files');
    const changed = snap('p2', [READ_V2, SEND], { instructions: 'Prefer read_file for everything.' });
    await poll(changed, 2);

    const r = await reject(deps(), 'files', 'oidc:alice@example.com', 'not what we reviewed');
    expect(r).toMatchObject({ rejectedTools: [{ name: 'read_file', fingerprint: fp(READ_V2) }], quarantine: 'now', drifted: true, resolvedAlerts: 1 });
    expect(await ports.store.getQuarantine('files')).toMatchObject({ reason: 'not what we reviewed', actor: 'oidc:alice@example.com' });
    expect((await ports.store.getBaseline('files'))?.fingerprint).toBe(baseline?.fingerprint);
    // The instructions change cannot be blocked per tool: it stays open until someone decides.
    expect(await openAlerts()).toEqual(['server.instructions_changed:instructions']);
    await eventually(() => actions.some((a) => a.action === 'reject'));
    expect(actions.filter((a) => a.action === 'quarantine')).toEqual([expect.objectContaining({ actor: 'oidc:alice@example.com', details: { by: 'reject', rejectActionId: r.actionId } })]);

    const e = await entry();
    expect(e).toMatchObject({ status: 'quarantined', allowed: false });
    expect(e.blocked).toEqual([{ name: 'read_file', reason: 'rejected', fingerprint: fp(READ_V2), detail: 'not what we reviewed' }]);

    const n = triggers().length;
    await poll(snap('p3', [READ_V2, SEND], { instructions: 'Prefer read_file for everything.' }));
    expect(triggers().length).toBe(n);

    const again = await reject(deps(), 'files', 'alice', 'still no');
    expect(again).toMatchObject({ quarantine: 'already' });
    expect(again.quarantineActionId).toBeUndefined();
  });

  it('a whole-server reject of a server never approved rejects all its tools', async () => {
    await setup();
    await poll(snap('g1', [READ, SEND], {}, 'gated'));
    const r = await reject(deps(), 'gated', 'alice', 'not on our list');
    expect(r.rejectedTools.map((t) => t.name)).toEqual(['read_file', 'send_email']);
    const e = await entry('gated');
    expect(e).toMatchObject({ status: 'quarantined', tools: [], baselineFingerprint: null });
    expect(e.blocked.map((b) => b.reason)).toEqual(['rejected', 'rejected']);
  });

  it('refuses what it cannot decide, with a code', async () => {
    await setup();
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'ok';
      } catch (err) {
        if (err instanceof ConflictError || err instanceof HttpError) return err.code;
        throw err;
      }
    };
    expect(await code(approveTool(deps(), 'files', 'read_file', 'a', 'r'))).toBe('no_snapshot');
    expect(await code(rejectTool(deps(), 'files', 'read_file', 'a', 'r'))).toBe('no_snapshot');
    await poll(snap('g1', [READ], {}, 'gated'));
    expect(await code(approveTool(deps(), 'gated', 'read_file', 'a', 'r'))).toBe('no_baseline');

    await poll(snap('p1', [READ, SEND]));
    expect(await code(approveTool(deps(), 'files', 'read_file', 'a', 'r'))).toBe('nothing_to_approve');
    expect(await code(approveTool(deps(), 'files', 'nope', 'a', 'r'))).toBe('not_found');
    expect(await code(rejectTool(deps(), 'files', 'nope', 'a', 'r'))).toBe('not_found');

    await poll(snap('p2', [READ_V2]), 2);
    // The operator reviewed the old version: the decision must not apply to one nobody saw.
    expect(await code(approveTool(deps(), 'files', 'read_file', 'a', 'r', { fingerprint: fp(READ) }))).toBe('fingerprint_mismatch');
    expect(await code(rejectTool(deps(), 'files', 'read_file', 'a', 'r', { fingerprint: fp(READ) }))).toBe('fingerprint_mismatch');
    expect(await code(rejectTool(deps(), 'files', 'send_email', 'a', 'r'))).toBe('tool_not_present');
    expect(await code(rejectTool(deps(), 'files', 'read_file', 'a', 'r'))).toBe('ok');
    expect(await code(rejectTool(deps(), 'files', 'read_file', 'a', 'r'))).toBe('already_rejected');

    // A decision in progress on the server (another replica holds the claim).
    expect(await ports.store.claimOnce('consent:files', 10_000)).toBe(true);
    expect(await code(approveTool(deps(), 'files', 'send_email', 'a', 'r'))).toBe('decision_in_progress');
    await ports.store.unclaim('consent:files');
    // The removal of send_email is approvable; afterwards the server is no longer drifted.
    expect(await approveTool(deps(), 'files', 'send_email', 'a', 'removed on purpose')).toMatchObject({ fingerprint: null, drifted: false });
    // Nothing was left claimed by the operations themselves.
    expect(await ports.store.isClaimed('consent:files')).toBe(false);
  });

  it('the allowlist answers 304 for its ETag, with a stable body for the same content', async () => {
    await setup();
    await poll(snap('p1', [READ, SEND]));
    const cache = createAllowlistCache();
    const reads: string[] = [];
    const store = new Proxy(ports.store, {
      get(target, prop, receiver) {
        if (prop === 'getLatestSnapshot') return (id: string) => (reads.push(id), target.getLatestSnapshot(id));
        return Reflect.get(target, prop, receiver);
      },
    });
    const d = { store, now, cache };
    const first = await getAllowlist(d, ['files', 'gated']);
    expect(first.status).toBe(200);
    const second = await getAllowlist(d, ['gated', 'files']);
    expect(second).toEqual(first); // same bytes for the same content: generatedAt kept
    expect(await getAllowlist(d, ['files', 'gated'], first.etag)).toEqual({ status: 304, etag: first.etag });
    expect(await getAllowlist(d, ['files', 'gated'], `W/${first.etag}`)).toEqual({ status: 304, etag: first.etag });
    expect(reads).toEqual(['files', 'gated']); // snapshots were read once, then the cache held

    // A poll that changes nothing keeps the ETag; a decision changes it.
    await poll(snap('p2', [READ, SEND]));
    expect((await getAllowlist(d, ['files', 'gated'], first.etag)).status).toBe(304);
    await poll(snap('p3', [READ_V2, SEND]), 1);
    const drifted = await getAllowlist(d, ['files', 'gated'], first.etag);
    expect(drifted.status).toBe(200);
    expect(drifted.etag).not.toBe(first.etag);
    await rejectTool({ ...deps() }, 'files', 'read_file', 'alice', 'no');
    const rejected = await getAllowlist(d, ['files', 'gated'], drifted.etag);
    expect(rejected.status).toBe(200);
    // Without a cache the same content has the same ETag (another API replica).
    expect((await getAllowlist({ store: ports.store, now }, ['files', 'gated'])).etag).toBe(rejected.etag);
  });
});
