import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintObservation, TOPICS, type Action, type Observation, type Snapshot } from '@driftwatch/core';
import { startHttpServer, type HttpServerHandle } from '@driftwatch/runtime';
import { createApi, type Api } from '../src/index.js';
import { bearer, fakeAuthenticator, TOKENS } from './http/fake-authenticator.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const CONFIG = {
  servers: [
    { id: 'mail', transport: 'stdio', command: 'node', args: ['mail.js'], env: { MAIL_TOKEN: 'sekret-env-value' } },
    { id: 'search', transport: 'http', url: 'https://user:pw@mcp.example.com/mcp?key=abc', headers: { Authorization: 'Bearer sekret-header' } },
  ],
};

function snap(pollId: string): Snapshot {
  const obs: Observation = {
    transport: { kind: 'stdio' },
    serverInfo: { name: 'mail', version: '2.0.0' },
    capabilities: { tools: {} },
    tools: [{ name: 'send', description: 'Send mail.', inputSchema: { type: 'object' } }],
    prompts: [],
    resources: [],
    resourceTemplates: [],
    models: [],
    conformance: [],
  };
  return { id: pollId, type: 'snapshot', version: 1, time: '2026-11-24T10:00:00.000Z', serverId: 'mail', pollId, timings: { connectMs: 1, listMs: 1, totalMs: 2 }, fingerprints: fingerprintObservation(obs), ...obs };
}

describe('api', () => {
  let ports: EmbeddedPorts;
  let http: HttpServerHandle;
  let api: Api;
  let actions: Action[];
  const url = (p: string) => `http://127.0.0.1:${http.port}${p}`;
  // Reads with a read key, changes with an operate key: the scopes these routes need.
  const get = async (p: string) => {
    const r = await fetch(url(p), { headers: bearer(TOKENS.read) });
    return { status: r.status, body: (await r.json()) as any, text: '' };
  };
  const post = async (p: string, body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(TOKENS.operate), ...headers }, body });
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeEach(async () => {
    ports = await embeddedPorts(CONFIG);
    actions = await record<Action>(ports.bus, TOPICS.actions);
    api = await createApi({ ...ports, authenticator: fakeAuthenticator(), anonymousRead: false });
    http = await startHttpServer({ port: 0, host: '127.0.0.1', logger: ports.logger, metrics: ports.metrics, isReady: () => true, handler: api.handler });
  });
  afterEach(async () => {
    await api.close();
    await http.close();
    await ports.close();
  });

  it('lists servers with status and never leaks headers, env or URL credentials', async () => {
    await ports.store.updateServerState('mail', { reachable: true, baselineFingerprint: 'abc', lastPollAt: '2026-11-24T10:00:00.000Z' });
    const r = await fetch(url('/v1/servers'), { headers: bearer(TOKENS.read) });
    const text = await r.text();
    expect(r.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.servers.map((s: any) => [s.id, s.status])).toEqual([
      ['mail', 'ok'],
      ['search', 'pending'],
    ]);
    expect(body.servers[0]).toMatchObject({ lastPollAt: '2026-11-24T10:00:00.000Z', baselineFingerprint: 'abc' });
    for (const secret of ['sekret-env-value', 'sekret-header', 'key=abc', 'pw@', 'mail.js']) expect(text).not.toContain(secret);
  });

  it('gives 404 for an unknown id and 405 for a wrong method', async () => {
    const r = await get('/v1/servers/nope');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 'not_found' });
    expect(r.body.error.message).toContain('nope');
    expect((await post('/v1/servers', '{}')).status).toBe(405);
    expect((await post('/v1/servers/nope/approve', '{"reason":"x"}')).status).toBe(404);
  });

  it('rejects bad bodies and queries with 400 naming what was wrong', async () => {
    const missing = await post('/v1/servers/mail/release', '{}');
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('bad_request');
    expect(missing.body.error.message).toContain('reason');
    const extra = await post('/v1/servers/mail/release', '{"reason":"x","force":true}');
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain('force');
    const notJson = await post('/v1/servers/mail/release', '{reason');
    expect(notJson.status).toBe(400);
    const badSeverity = await get('/v1/alerts?severity=urgent');
    expect(badSeverity.status).toBe(400);
    expect(badSeverity.body.error.message).toContain('severity');
    const badLimit = await get('/v1/alerts?limit=0');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toContain('limit');
    const tooBig = await post('/v1/servers/mail/release', JSON.stringify({ reason: 'x'.repeat(70_000) }));
    expect(tooBig.status).toBe(413);
  });

  it('approves the current snapshot as the baseline, resolves drift alerts, and audits it under the principal', async () => {
    expect((await post('/v1/servers/mail/approve', '{"reason":"ok"}')).status).toBe(409);
    const s = snap('p2');
    await ports.store.putLatestSnapshot(s);
    await ports.store.updateServerState('mail', { reachable: true, baselineFingerprint: 'old', drifted: true });
    const drift = { id: 'a1', type: 'alert' as const, version: 1 as const, time: s.time, serverId: 'mail', action: 'trigger' as const, dedupKey: 'mail|tool.added|send', kind: 'tool.added', subject: 'send', severity: 'medium' as const, summary: 's', explanation: 'e', remediation: 'r', evidence: {} };
    const content = { ...drift, id: 'a2', dedupKey: 'mail|content.concealment|x', kind: 'content.concealment', subject: 'x' };
    await ports.store.insertAlert({ alert: drift, status: 'open', firstSeen: s.time, lastSeen: s.time });
    await ports.store.insertAlert({ alert: content, status: 'open', firstSeen: s.time, lastSeen: s.time });

    const r = await post('/v1/servers/mail/approve', '{"reason":"reviewed with the owner"}', { 'x-driftwatch-actor': 'alice' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ serverId: 'mail', baselineFingerprint: s.fingerprints.snapshot, resolvedAlerts: 1 });
    const after = await get('/v1/servers/mail');
    expect(after.body.status).toBe('ok');
    expect(after.body.openAlerts.map((a: any) => a.id)).toEqual(['a2']);
    expect((await ports.store.getBaseline('mail'))?.origin).toBe('approval');
    await eventually(() => actions.some((a) => a.action === 'approve'));
    // The caller's header is ignored: the audit names the authenticated key.
    expect(actions.find((a) => a.action === 'approve')).toMatchObject({ actor: 'key:operate-bot (k_operate-bot)', reason: 'reviewed with the owner' });
    const audit = await get('/v1/actions?serverId=mail');
    expect(audit.body.actions.map((a: any) => a.actor)).toEqual(['key:operate-bot (k_operate-bot)']);
  });

  it('leaves server.unsandboxed open on approval: a condition of the probe, not drift', async () => {
    const s = snap('p2');
    await ports.store.putLatestSnapshot(s);
    const bare = { id: 'a3', type: 'alert' as const, version: 1 as const, time: s.time, serverId: 'mail', action: 'trigger' as const, dedupKey: 'mail|server.unsandboxed|server', kind: 'server.unsandboxed', subject: 'server', severity: 'low' as const, summary: 's', explanation: 'e', remediation: 'r', evidence: {} };
    await ports.store.insertAlert({ alert: bare, status: 'open', firstSeen: s.time, lastSeen: s.time });
    const r = await post('/v1/servers/mail/approve', '{"reason":"reviewed"}');
    expect(r.body).toMatchObject({ resolvedAlerts: 0 });
    expect((await get('/v1/servers/mail')).body.openAlerts.map((a: any) => a.id)).toEqual(['a3']);
  });

  it('releases a quarantine once; a second release is a 409', async () => {
    await ports.store.quarantine('mail', { reason: 'rug pull', alertId: 'a1', actor: 'policy', at: '2026-11-24T10:00:00.000Z' });
    expect((await get('/v1/servers/mail')).body.status).toBe('quarantined');
    const r = await post('/v1/servers/mail/release', '{"reason":"false positive"}');
    expect(r.status).toBe(200);
    expect((await get('/v1/servers/mail')).body.status).not.toBe('quarantined');
    const again = await post('/v1/servers/mail/release', '{"reason":"again"}');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_quarantined');
    const audit = await get('/v1/actions?serverId=mail');
    expect(audit.body.actions.map((a: any) => a.action)).toEqual(['release']);
  });

  it('filters alerts by server and minimum severity, newest first', async () => {
    const base = { type: 'alert' as const, version: 1 as const, serverId: 'mail', action: 'trigger' as const, kind: 'tool.added', subject: 's', summary: 's', explanation: 'e', remediation: 'r', evidence: {} };
    const mk = (id: string, severity: 'low' | 'high', time: string, serverId = 'mail') => ({ ...base, id, severity, time, serverId, dedupKey: `${serverId}|tool.added|${id}` });
    for (const a of [mk('l1', 'low', '2026-11-24T10:00:01Z'), mk('h1', 'high', '2026-11-24T10:00:02Z'), mk('h2', 'high', '2026-11-24T10:00:03Z'), mk('s1', 'high', '2026-11-24T10:00:04Z', 'search')]) {
      await ports.store.insertAlert({ alert: a, status: 'open', firstSeen: a.time, lastSeen: a.time });
    }
    const r = await get('/v1/alerts?serverId=mail&severity=high');
    expect(r.body.alerts.map((a: any) => a.id)).toEqual(['h2', 'h1']);
    expect((await get('/v1/alerts?limit=2')).body.alerts.map((a: any) => a.id)).toEqual(['s1', 'h2']);
    expect((await get('/v1/alerts?serverId=ghost')).status).toBe(404);
  });

  it('serves the allowlist gateways read: only ok servers', async () => {
    await ports.store.updateServerState('mail', { reachable: true, baselineFingerprint: 'f' });
    await ports.store.updateServerState('search', { reachable: true, baselineFingerprint: 'f', drifted: true });
    expect((await get('/v1/allowlist')).body.allowed).toEqual(['mail']);
  });
});
