import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startApp, type App } from '@driftwatch/cli';
import type { DriftwatchConfig } from '@driftwatch/core';
import { BENIGN_TOOLS, fixtureServer, quietLogger, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';
import { allDelivered, call, excerpt, incidentDetail, operateKey, receiversOf, rugPulled, startDoubles, textReverted, writeConfig, type Doubles } from './incident-support.js';

/**
 * Issue 8 end to end, through the product only: `driftwatch start` (embedded) with a real stdio
 * MCP server, receivers configured in the config file and pointing at strict doubles of
 * PagerDuty, Slack and a signed webhook, and the control plane called with a real operate key.
 * What is counted is counted at the receivers.
 */

const POLL_S = 2;
/** Short waits so the test is brisk; the demo benchmark (test/bench/demo-pages.ts) uses the defaults. */
const TIMING = { groupWait: '2s', groupInterval: '2s' };

function baseConfig(d: Doubles, servers: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    quarantineAt: 'high',
    defaultRoute: TIMING,
    publicUrls: { api: 'https://driftwatch.example.test', console: 'https://soc.example.test/incidents' },
    receivers: receiversOf(d),
    servers,
  };
}

async function serverView(app: App, token: string, id: string): Promise<any> {
  return (await call(app.port, 'GET', `/v1/servers/${id}`, token)).body;
}

async function baselined(app: App, token: string, ids: string[]): Promise<void> {
  await waitFor(`${ids.join(', ')} baselined`, async () => {
    for (const id of ids) if ((await serverView(app, token, id)).status !== 'ok') return false;
    return true;
  }, 60_000, 100);
}

/** Waits until the server was polled `n` more times after `afterMs` (nothing new may come of it). */
async function polledAfter(app: App, token: string, id: string, afterMs: number, n: number): Promise<void> {
  await waitFor(`${n} more polls of ${id}`, async () => Date.parse((await serverView(app, token, id)).lastPollAt ?? '') >= afterMs + n * POLL_S * 1000, 40_000, 100);
}

// Both describes' temp dirs are made at collection: remove them once, after both.
afterAll(() => removeTempDirs());

function noProblems(d: Doubles): void {
  expect(d.pd.problems()).toEqual([]);
  expect(d.slack.problems()).toEqual([]);
  expect(d.hook.problems()).toEqual([]);
}

describe('incident response on the embedded default (real receivers, real key store)', () => {
  const dir = tempDir('incident-response');
  const dataDir = join(dir, 'data');
  const mailState = join(dir, 'mail.json');
  const crmState = join(dir, 'crm.json');
  let d: Doubles;
  let app: App;
  let token: string;
  let config: DriftwatchConfig;
  /** The rug pull's incident (= PagerDuty dedup_key). */
  let incidentId = '';

  beforeAll(async () => {
    d = await startDoubles();
    writeState(mailState, { tools: BENIGN_TOOLS });
    writeState(crmState, { tools: BENIGN_TOOLS });
    ({ config } = await writeConfig(dir, baseConfig(d, [fixtureServer('mail', mailState, { tags: ['email', 'prod'] }), fixtureServer('crm', crmState, { interval: 3 })]), d.slack.webhookUrl));
    app = await startApp({ roles: ['poller', 'differ', 'responder', 'api'], config, logger: quietLogger(), dataDir, port: 0, host: '127.0.0.1', instanceId: 'ir-e2e', signals: null });
    token = await operateKey(app.port, dataDir);
    await baselined(app, token, ['mail', 'crm']);
  });

  afterAll(async () => {
    await app?.close();
    await d?.close();
  });

  it('turns one rug pull with several alerts into exactly one page, one Slack message and one signed webhook', async () => {
    const changedAt = Date.now();
    writeState(mailState, rugPulled());
    const trigger = await waitFor('the PagerDuty trigger', async () => d.pd.accepted().find((r) => (r.json as { event_action: string }).event_action === 'trigger'), 40_000, 10);
    incidentId = (trigger.json as { dedup_key: string }).dedup_key;
    const server = await serverView(app, token, 'mail');
    expect(server.status).toBe('quarantined');
    const quarantinedAt = Date.parse(server.quarantine.at);

    // Every delivery recorded as delivered, then two more polls of the same text: nothing more.
    await waitFor('the three deliveries', () => allDelivered(app.port, token, incidentId, 3), 20_000);
    await polledAfter(app, token, 'mail', trigger.at, 2);
    const detail = await incidentDetail(app.port, token, incidentId);

    expect(d.pd.events()).toHaveLength(1);
    expect(d.pd.triggers(incidentId)).toBe(1);
    expect(d.slack.messages()).toHaveLength(1);
    expect(d.hook.bodies()).toHaveLength(1);
    noProblems(d);

    const kinds = detail.incident.alerts.map((a: { kind: string }) => a.kind).sort();
    expect(kinds.length, kinds.join(', ')).toBeGreaterThanOrEqual(4);
    expect(kinds).toEqual(expect.arrayContaining(['tool.description_changed', 'content.hidden-markers']));
    expect(detail.incident).toMatchObject({ serverId: 'mail', status: 'open', quarantined: true, notified: ['pagerduty', 'slack', 'webhook'] });
    expect(detail.deliveries.map((x: { receiver: string; transition: string }) => `${x.receiver}:${x.transition}`).sort()).toEqual(['pagerduty:trigger', 'slack:trigger', 'webhook:trigger']);

    // What each receiver got: the incident, its evidence and where to look.
    const pd = trigger.json as any;
    expect(pd.payload).toMatchObject({ source: 'mail', severity: expect.stringMatching(/^(critical|error)$/) });
    // The page carries every alert the incident held when it was sent (none omitted); an alert
    // that joins the group after the page (a slow turn under load) is in the incident, not re-paged.
    const paged = pd.payload.custom_details.alerts as Array<{ id: string }>;
    expect(paged.length).toBe(pd.payload.custom_details.incident.alert_count);
    expect(paged.length).toBeGreaterThanOrEqual(4);
    const held = new Set(detail.incident.alerts.map((a: { id: string }) => a.id));
    expect(paged.filter((a) => !held.has(a.id))).toEqual([]);
    expect(pd.links.map((l: { href: string }) => l.href)).toContain(`https://soc.example.test/incidents/${incidentId}`);
    const slack = d.slack.messages()[0]!;
    expect(JSON.stringify(slack.blocks)).toContain('U+200B');
    const hook = d.hook.bodies()[0]!;
    expect(hook).toMatchObject({ transition: 'trigger', incident: { id: incidentId, serverId: 'mail' } });
    expect(d.hook.deliveries(hook.idempotencyKey as string)).toBe(1);

    const toTrigger = trigger.at - changedAt;
    const toQuarantine = quarantinedAt - changedAt;
    process.stderr.write(
      `[e2e] incident-response (embedded, poll ${POLL_S} s, groupWait ${TIMING.groupWait}): tool change → quarantine ${toQuarantine} ms, → PagerDuty trigger at the double ${toTrigger} ms; ${kinds.length} alerts → 1 trigger, 1 Slack message, 1 webhook\n`,
    );
    process.stderr.write(`[e2e] payload pagerduty: ${excerpt(pd)}\n[e2e] payload slack: ${excerpt(slack)}\n[e2e] payload webhook: ${excerpt(hook)}\n`);
    expect(toQuarantine).toBeLessThan(toTrigger);
  });

  it('carries an acknowledgement made with an operate key to PagerDuty under the same dedup_key', async () => {
    expect(incidentId).not.toBe('');
    // A read-only caller cannot acknowledge.
    expect((await call(app.port, 'POST', `/v1/incidents/${incidentId}/ack`, undefined, {})).status).toBe(401);
    const acked = await call(app.port, 'POST', `/v1/incidents/${incidentId}/ack`, token, { reason: 'looking into it' });
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body.incident.status).toBe('acknowledged');

    await waitFor('the PagerDuty acknowledge', async () => d.pd.count(incidentId, 'acknowledge') > 0, 20_000, 20);
    await waitFor('every acknowledge delivered', () => allDelivered(app.port, token, incidentId, 6), 20_000);
    expect(d.pd.events().map((e) => `${e.event_action}:${e.dedup_key}`)).toEqual([`trigger:${incidentId}`, `acknowledge:${incidentId}`]);
    const ack = d.pd.events(incidentId)[1]!;
    expect(ack.payload).toBeUndefined();
    expect(d.hook.bodies().map((b) => b.transition)).toEqual(['trigger', 'acknowledge']);
    noProblems(d);
    const detail = await incidentDetail(app.port, token, incidentId);
    expect(detail.incident.acknowledgedBy).toMatch(/^key:oncall \(k_[a-z2-7]{16}\)$/);
  });

  it('resolves the incident once the text is reverted and the rest approved, with exactly one PagerDuty resolve', async () => {
    // The owner takes the hidden text out; the new parameter stays. Findings clear, drift remains:
    // the incident stays open (approving alone would not clear poisoned text, by design).
    writeState(mailState, textReverted());
    const reverted = await waitFor(
      'the content findings to clear',
      async () => {
        const inc = (await incidentDetail(app.port, token, incidentId)).incident;
        const open = inc.alerts.filter((a: { status: string }) => a.status === 'open');
        return open.length > 0 && open.every((a: { kind: string }) => a.kind.startsWith('tool.')) ? inc : undefined;
      },
      30_000,
    );
    expect(reverted.status).toBe('acknowledged');
    expect(d.pd.count(incidentId, 'resolve')).toBe(0);

    const approved = await call(app.port, 'POST', '/v1/servers/mail/approve', token, { reason: 'the new notes parameter is expected' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await waitFor('the PagerDuty resolve', async () => d.pd.count(incidentId, 'resolve') > 0, 30_000, 20);
    const detail = await waitFor('every resolve delivered', () => allDelivered(app.port, token, incidentId, 9), 20_000);
    expect(detail.incident.status).toBe('resolved');
    expect(detail.incident.resolvedBy).toMatch(/approved by key:oncall/);
    await polledAfter(app, token, 'mail', Date.now(), 1);
    expect(d.pd.events().map((e) => `${e.event_action}:${e.dedup_key}`)).toEqual([`trigger:${incidentId}`, `acknowledge:${incidentId}`, `resolve:${incidentId}`]);
    expect(d.hook.bodies().map((b) => b.transition)).toEqual(['trigger', 'acknowledge', 'resolve']);
    noProblems(d);
    const list = await call(app.port, 'GET', '/v1/incidents?serverId=mail', token);
    expect(list.body.incidents.map((i: { id: string; status: string }) => `${i.id}:${i.status}`)).toEqual([`${incidentId}:resolved`]);
  });

  it('mutes the next change for a silence made with POST /v1/silences while GET /v1/incidents shows it, and notifies once the silence is deleted', async () => {
    const released = await call(app.port, 'POST', '/v1/servers/mail/release', token, { reason: 'owner fixed the text' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    const silence = await call(app.port, 'POST', '/v1/silences', token, { matchers: { serverId: 'mail' }, comment: 'mail relay maintenance', duration: '10m' });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);
    const silenceId = silence.body.silence.id as string;
    expect((await call(app.port, 'GET', '/v1/silences?state=active', token)).body.silences.map((s: { id: string }) => s.id)).toContain(silenceId);
    const before = { pd: d.pd.requests.length, slack: d.slack.requests.length, hook: d.hook.requests.length };

    writeState(mailState, rugPulled());
    // The evaluation after group_wait marks every alert silenced: that is when it would have paged.
    const muted = await waitFor(
      'a new, silenced incident',
      async () => {
        const list = (await call(app.port, 'GET', '/v1/incidents?serverId=mail&status=active', token)).body.incidents as any[];
        const inc = list.find((i) => i.id !== incidentId);
        return inc && inc.alertCounts.total > 0 && inc.alertCounts.silenced === inc.alertCounts.total ? inc : undefined;
      },
      40_000,
    );
    // Recorded, quarantined, visible; never notified.
    expect(muted).toMatchObject({ status: 'open', quarantined: true, notified: [] });
    expect((await serverView(app, token, 'mail')).status).toBe('quarantined');
    const mutedDetail = await incidentDetail(app.port, token, muted.id);
    expect(mutedDetail.deliveries).toEqual([]);
    expect(mutedDetail.incident.alerts.every((a: { silencedBy?: string[] }) => a.silencedBy?.includes(silenceId))).toBe(true);
    await polledAfter(app, token, 'mail', Date.now(), 1);
    expect({ pd: d.pd.requests.length, slack: d.slack.requests.length, hook: d.hook.requests.length }).toEqual(before);

    // The silence was what held it back: deleting it lets the incident page, once.
    const deleted = await call(app.port, 'DELETE', `/v1/silences/${silenceId}`, token, { reason: 'maintenance over' });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    await waitFor('the page after the silence', async () => d.pd.triggers(muted.id) > 0, 20_000, 20);
    await waitFor('its deliveries', () => allDelivered(app.port, token, muted.id, 3), 20_000);
    expect(d.pd.triggers(muted.id)).toBe(1);
    expect(d.slack.requests.length).toBe(before.slack + 1);
    expect(d.hook.requests.length).toBe(before.hook + 1);
    noProblems(d);
    const audit = (await call(app.port, 'GET', '/v1/actions?serverId=mail&limit=100', token)).body.actions.map((a: { action: string }) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['silence.create', 'silence.delete']));
  });

  it('delivers exactly once through scripted PagerDuty failures (429, 500, then 202) without delaying the quarantine', async () => {
    d.pd.script(429, 500);
    const changedAt = Date.now();
    writeState(crmState, rugPulled());
    const trigger = await waitFor(
      'the PagerDuty trigger for crm',
      async () => d.pd.accepted().find((r) => (r.json as any).event_action === 'trigger' && (r.json as any).payload?.source === 'crm'),
      40_000,
      10,
    );
    const id = (trigger.json as { dedup_key: string }).dedup_key;
    const server = await serverView(app, token, 'crm');
    expect(server.status).toBe('quarantined');
    const quarantinedAt = Date.parse(server.quarantine.at);
    const detail = await waitFor('the crm deliveries', () => allDelivered(app.port, token, id, 3), 20_000);
    await polledAfter(app, token, 'crm', trigger.at, 1);

    const attempts = d.pd.attempts(id, 'trigger');
    expect(attempts.map((a) => a.status)).toEqual([429, 500, 202]);
    expect(d.pd.triggers(id)).toBe(1);
    // The quarantine was in effect before PagerDuty was even asked, let alone accepted.
    expect(quarantinedAt).toBeLessThan(attempts[0]!.at);
    const pdDelivery = detail.deliveries.find((x: { receiver: string }) => x.receiver === 'pagerduty');
    expect(pdDelivery).toMatchObject({ transition: 'trigger', status: 'delivered', attempts: 3 });
    // Slack and the webhook were not held back by PagerDuty's trouble.
    expect(detail.deliveries.filter((x: { attempts: number }) => x.attempts === 1)).toHaveLength(2);
    noProblems(d);

    const metrics = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
    expect(metrics).toMatch(/driftwatch_notifications_total\{receiver="pagerduty",outcome="retry"\} 2\b/);
    process.stderr.write(
      `[e2e] scripted PagerDuty 429 → 500 → 202: change → quarantine ${quarantinedAt - changedAt} ms, → first attempt ${attempts[0]!.at - changedAt} ms, → accepted ${trigger.at - changedAt} ms; accepted triggers 1 (duplicates 0, lost 0)\n`,
    );
  });
});

describe('delivery across restarts of the embedded app (data dir kept)', () => {
  const dir = tempDir('incident-restart');
  const dataDir = join(dir, 'data');
  const mailState = join(dir, 'mail.json');
  let d: Doubles;
  let config: DriftwatchConfig;
  let app: App | undefined;

  const start = async (n: number): Promise<App> => {
    app = await startApp({ roles: ['poller', 'differ', 'responder', 'api'], config, logger: quietLogger(), dataDir, port: 0, host: '127.0.0.1', instanceId: `ir-restart-${n}`, signals: null });
    return app;
  };
  const stop = async (): Promise<number> => {
    const t = Date.now();
    await app?.close();
    app = undefined;
    return Date.now() - t;
  };

  beforeAll(async () => {
    d = await startDoubles();
    writeState(mailState, { tools: BENIGN_TOOLS });
    ({ config } = await writeConfig(dir, baseConfig(d, [fixtureServer('mail', mailState)]), d.slack.webhookUrl));
  });

  afterAll(async () => {
    await stop();
    await d?.close();
  });

  it('neither repeats a delivery the receiver accepted nor loses a pending one when the app restarts between deliveries', async () => {
    const first = await start(1);
    const token = await operateKey(first.port, dataDir);
    await baselined(first, token, ['mail']);

    // 1. Stopped while PagerDuty is answering the trigger: "sent" but not yet "recorded".
    d.pd.script({ status: 202, delayMs: 3_000 });
    writeState(mailState, rugPulled());
    const sent = await waitFor('the trigger to reach PagerDuty', async () => d.pd.requests.find((r) => (r.json as any)?.event_action === 'trigger'), 40_000, 5);
    const id = (sent.json as { dedup_key: string }).dedup_key;
    const closeMs = await stop();

    const second = await start(2);
    await waitFor('the trigger deliveries after the restart', () => allDelivered(second.port, token, id, 3), 20_000);
    expect(d.pd.attempts(id, 'trigger')).toHaveLength(1);
    expect(d.pd.triggers(id)).toBe(1);
    expect(d.slack.messages()).toHaveLength(1);
    expect(d.hook.bodies()).toHaveLength(1);

    // 2. PagerDuty is down when the incident is acknowledged: the acknowledge is pending at the stop.
    d.pd.failing = true;
    expect((await call(second.port, 'POST', `/v1/incidents/${id}/ack`, token, {})).status).toBe(200);
    await waitFor('a failed acknowledge attempt', async () => d.pd.attempts(id, 'acknowledge').some((a) => a.status === 503), 20_000, 10);
    const pending = (await incidentDetail(second.port, token, id)).deliveries.find((x: any) => x.receiver === 'pagerduty' && x.transition === 'acknowledge');
    expect(pending.status).toMatch(/^(pending|sending)$/);
    await stop();
    d.pd.failing = false;

    const third = await start(3);
    const detail = await waitFor('every delivery after the second restart', () => allDelivered(third.port, token, id, 6), 30_000);
    expect(d.pd.events(id).map((e) => e.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(d.pd.count(id, 'acknowledge')).toBe(1);
    // Failed before the stop, accepted after the start: the retry survived the restart.
    expect(d.pd.attempts(id, 'acknowledge').map((a) => a.status).filter((s) => s !== 503)).toEqual([202]);
    expect(detail.deliveries.find((x: any) => x.receiver === 'pagerduty' && x.transition === 'acknowledge').attempts).toBeGreaterThanOrEqual(2);
    expect(d.slack.messages()).toHaveLength(2);
    const keys = d.hook.bodies().map((b) => b.idempotencyKey as string);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(d.hook.deliveries(key)).toBe(1);
    noProblems(d);

    const duplicates = d.pd.accepted().length - new Set(d.pd.accepted().map((r) => `${(r.json as any).event_action}:${(r.json as any).dedup_key}`)).size;
    const lost = detail.deliveries.filter((x: { status: string }) => x.status !== 'delivered').length;
    process.stderr.write(
      `[e2e] restarts: stop during an in-flight PagerDuty trigger (close took ${closeMs} ms) and with an acknowledge pending: PagerDuty accepted ${d.pd.accepted().length} events for ${detail.deliveries.filter((x: any) => x.receiver === 'pagerduty').length} deliveries; duplicates ${duplicates}, lost ${lost}\n`,
    );
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
  });
});
