import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DriftwatchConfig, Route } from '@driftwatch/core';
import { eventually } from '../../../test/support/embedded.js';
import { RecordingReceiver } from '../../../test/support/incidents/recording-receiver.js';
import { ackIncident, createSilence, deleteSilence, getIncident, resolveIncident } from '../../api/src/incident-operations.js';
import { alert, driftPull, harness, resolveOf, rugPull, SERVERS, type Harness } from './helpers.js';

const FAST = { defaultRoute: { groupWait: '300ms', groupInterval: '300ms' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('incidents: one change, one incident, one page', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('a rug pull raising five alerts gives exactly one trigger, after the default group_wait', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness({}, [pd]);
    const alerts = rugPull();
    const t0 = Date.now();
    await h.publish(...alerts);
    // The quarantine does not wait for grouping.
    await eventually(() => h.ports.store.getQuarantine('mail'));
    const quarantinedAfterMs = Date.now() - t0;
    await eventually(() => pd.accepted.length > 0, 15_000);
    const triggerAfterMs = pd.calls[0]!.at - t0;
    await sleep(1_500);
    await h.responder.idle();
    expect(pd.calls).toHaveLength(1);
    const [trigger] = pd.accepted;
    expect(trigger!.transition).toBe('trigger');
    expect(trigger!.incident.alerts.map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(trigger!.incident).toMatchObject({ serverId: 'mail', severity: 'critical', quarantined: true, status: 'open' });
    expect(quarantinedAfterMs).toBeLessThan(1_000);
    expect(triggerAfterMs).toBeGreaterThanOrEqual(4_900);
    expect(triggerAfterMs).toBeLessThan(7_000);
    expect((await h.ports.store.listIncidents({ serverId: 'mail' })).length).toBe(1);
    expect(h.actions.filter((a) => a.action === 'notify')).toHaveLength(1);
    console.log(`[measure] 5-alert rug pull: ${pd.distinct('trigger').length} trigger; quarantine after ${quarantinedAfterMs} ms; trigger after ${triggerAfterMs} ms (group_wait 5 s)`);
  });

  it('approving the baseline resolves every alert and sends one resolve under the same dedup key', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness(FAST, [pd]);
    await h.publish(...driftPull());
    await eventually(() => pd.accepted.length === 1);
    await h.approve('mail');
    await eventually(() => pd.distinct('resolve').length === 1, 10_000);
    await sleep(800);
    await h.responder.idle();
    expect(pd.accepted.map((n) => n.transition)).toEqual(['trigger', 'resolve']);
    expect(pd.accepted[1]!.incident.id).toBe(pd.accepted[0]!.incident.id);
    expect(pd.accepted[1]!.incident.status).toBe('resolved');
    const [inc] = await h.ports.store.listIncidents({ serverId: 'mail' });
    expect(inc).toMatchObject({ status: 'resolved', resolvedBy: 'approved by alice' });
  });

  it('content findings keep the incident open after an approval, until the text is reverted', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness(FAST, [pd]);
    const alerts = rugPull();
    await h.publish(...alerts);
    await eventually(() => pd.accepted.length === 1);
    await h.approve('mail');
    await sleep(1_000);
    await h.responder.idle();
    expect(pd.distinct('resolve')).toEqual([]);
    for (const a of alerts.filter((x) => x.kind.startsWith('content.'))) await h.publish(resolveOf(a));
    await eventually(() => pd.distinct('resolve').length === 1, 10_000);
    expect(pd.accepted.map((n) => n.transition)).toEqual(['trigger', 'resolve']);
  });

  it('a later change to the same server updates the open incident instead of paging again', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness({ ...FAST, quarantineAt: 'critical', pageAt: 'high' }, [pd]);
    await h.publish(alert({ pollId: 'p1' }));
    await eventually(() => pd.accepted.length === 1);
    await h.publish(alert({ pollId: 'p2', kind: 'server.instructions_changed', subject: 'instructions', severity: 'high' }));
    await eventually(() => pd.accepted.length === 2);
    expect(pd.accepted.map((n) => n.transition)).toEqual(['trigger', 'update']);
    expect(new Set(pd.accepted.map((n) => n.incident.id)).size).toBe(1);
    // group_interval spaces updates out.
    expect(pd.calls[1]!.at - pd.calls[0]!.at).toBeGreaterThanOrEqual(250);
  });

  it('an acknowledgement and a resolve through the operations reach the receiver, audited', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness(FAST, [pd]);
    await h.publish(...rugPull());
    await eventually(() => pd.accepted.length === 1);
    const id = pd.accepted[0]!.incident.id;
    const deps = { store: h.ports.store, bus: h.ports.bus, now: () => new Date() };
    const acked = await ackIncident(deps, id, 'bob', 'looking');
    expect(acked.incident.status).toBe('acknowledged');
    await eventually(() => pd.distinct('acknowledge').length === 1);
    await expect(ackIncident(deps, id, 'bob')).rejects.toMatchObject({ code: 'already_acknowledged' });
    await resolveIncident(deps, id, 'bob', 'owner reverted the text');
    await eventually(() => pd.distinct('resolve').length === 1);
    expect(pd.accepted.map((n) => [n.transition, n.incident.id])).toEqual([
      ['trigger', id],
      ['acknowledge', id],
      ['resolve', id],
    ]);
    const detail = await getIncident(deps, id);
    expect(detail.deliveries.map((d) => [d.transition, d.status])).toEqual([
      ['trigger', 'delivered'],
      ['acknowledge', 'delivered'],
      ['resolve', 'delivered'],
    ]);
    expect(detail.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'resolved', 'notified']));
    const audit = await h.ports.store.listAudit(50, 'mail');
    expect(audit.filter((a) => a.action === 'incident.ack')).toMatchObject([{ actor: 'bob', reason: 'looking' }]);
    expect(audit.filter((a) => a.action === 'incident.resolve')).toHaveLength(1);
  });

  it('a silence mutes notifications and keeps the record; deleting it lets the incident notify', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness(FAST, [pd]);
    const deps = { store: h.ports.store, bus: h.ports.bus, now: () => new Date() };
    const { silence } = await createSilence(deps, { matchers: { serverId: 'mail', kind: '*' }, comment: 'planned migration', duration: 3600 }, 'carol');
    const alerts = rugPull();
    await h.publish(...alerts);
    await eventually(() => h.ports.store.getQuarantine('mail'));
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' }))[0]?.alerts.every((a) => a.silencedBy?.includes(silence.id)));
    await sleep(600);
    await h.responder.idle();
    expect(pd.calls).toEqual([]);
    for (const a of alerts) expect((await h.ports.store.getAlert(a.id))?.status).toBe('open');
    const [inc] = await h.ports.store.listIncidents({ serverId: 'mail' });
    expect((await getIncident(deps, inc!.id)).incident.alertCounts).toMatchObject({ total: 5, silenced: 5 });
    expect((await h.ports.store.listAudit(20)).filter((a) => a.action === 'silence.create')).toMatchObject([{ actor: 'carol', serverId: 'mail' }]);

    await deleteSilence(deps, silence.id, 'carol', 'migration done');
    await eventually(() => pd.accepted.length === 1, 10_000);
    expect(pd.accepted[0]!.transition).toBe('trigger');
    expect(pd.accepted[0]!.incident.alerts).toHaveLength(5);
  });

  it('a quarantined server inhibits notifications for its later per-tool alerts, not for server-level ones', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness(FAST, [pd]);
    await h.publish(alert({ pollId: 'p1', subject: 'a' }));
    await eventually(() => pd.accepted.length === 1);
    expect(pd.accepted[0]!.incident.quarantined).toBe(true);
    const later = alert({ pollId: 'p2', subject: 'b', kind: 'tool.input_schema_changed' });
    const finding = alert({ pollId: 'p2', kind: 'content.hidden-unicode', subject: 'tools[b].description', severity: 'critical' });
    await h.publish(later, finding);
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' }))[0]?.alerts.filter((a) => a.inhibitedBy).length === 2);
    await sleep(700);
    await h.responder.idle();
    expect(pd.calls).toHaveLength(1);
    const [inc] = await h.ports.store.listIncidents({ serverId: 'mail' });
    expect(inc!.alerts.find((a) => a.id === later.id)?.inhibitedBy).toBe('server quarantined');
    await h.publish(alert({ pollId: 'p3', kind: 'server.instructions_changed', subject: 'instructions', severity: 'high' }));
    await eventually(() => pd.accepted.length === 2);
    expect(pd.accepted[1]!.transition).toBe('update');
    expect(pd.accepted[1]!.incident.alerts.map((a) => a.kind)).not.toContain('tool.input_schema_changed');
  });

  it('an unreachable server inhibits its per-tool alerts', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness({ ...FAST, quarantineAt: 'critical' }, [pd]);
    await h.ports.store.updateServerState('mail', { reachable: false, lastPollAt: new Date().toISOString() });
    await h.publish(alert({ subject: 'a' }));
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' }))[0]?.alerts[0]?.inhibitedBy === 'server unreachable');
    await h.responder.idle();
    expect(pd.calls).toEqual([]);
  });

  it('dry run: records and audits "would quarantine", enforces nothing, still notifies', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness({ ...FAST, dryRun: true }, [pd]);
    const alerts = rugPull();
    await h.publish(...alerts, ...alerts);
    await eventually(() => pd.accepted.length === 1);
    await h.responder.idle();
    expect(await h.ports.store.getQuarantine('mail')).toBeNull();
    expect(h.actions.filter((a) => a.action === 'quarantine')).toEqual([]);
    const would = (await h.ports.store.listAudit(50, 'mail')).filter((a) => a.action === 'would_quarantine');
    // One per alert at or above quarantineAt (four of five), each once despite the redelivery.
    expect(would).toHaveLength(4);
    expect(would[0]).toMatchObject({ actor: 'policy', details: { dryRun: true } });
    const [inc] = await h.ports.store.listIncidents({ serverId: 'mail' });
    expect(inc).toMatchObject({ wouldQuarantine: true, quarantined: false });
    expect(pd.accepted[0]!.incident.quarantined).toBe(false);
  });

  it('flap control: one unreachable blip pages no one; two failed polls in a row do', async () => {
    const pd = new RecordingReceiver('pd');
    h = await harness({ ...FAST, pageAt: 'medium', quarantineAt: 'critical' }, [pd]);
    const blip = alert({ kind: 'server.unreachable', subject: 'server', severity: 'medium', pollId: 'b1' });
    await h.ports.store.updateServerState('mail', { reachable: false, lastPollAt: blip.time });
    await h.publish(blip);
    await sleep(300);
    // The next poll answers: the differ resolves the alert.
    await h.ports.store.updateServerState('mail', { reachable: true, lastPollAt: new Date().toISOString() });
    await h.publish(resolveOf(blip));
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' }))[0]?.status === 'resolved');
    await sleep(500);
    await h.responder.idle();
    expect(pd.calls).toEqual([]);

    const outage = alert({ kind: 'server.unreachable', subject: 'server', severity: 'medium', pollId: 'o1' });
    await h.ports.store.updateServerState('mail', { reachable: false, lastPollAt: outage.time });
    await h.publish(outage);
    await sleep(1_000);
    expect(pd.calls).toEqual([]);
    // The second failed poll (interval 1 s): the alert stays open.
    await h.ports.store.updateServerState('mail', { lastPollAt: new Date().toISOString() });
    await eventually(() => pd.accepted.length === 1, 10_000);
    expect(pd.accepted[0]!.incident.alerts.map((a) => a.kind)).toEqual(['server.unreachable']);
  });

  it('routes: receivers by kind with continue, and the default route for the rest', async () => {
    const pd = new RecordingReceiver('pd');
    const soc = new RecordingReceiver('soc');
    const chat = new RecordingReceiver('chat');
    const parsed = DriftwatchConfig.parse({ servers: SERVERS, ...FAST, pageAt: 'low', defaultRoute: { ...FAST.defaultRoute, receivers: undefined } });
    const config = {
      ...parsed,
      routes: [Route.parse({ match: { minSeverity: 'info' }, receivers: ['soc'], continue: true }), Route.parse({ match: { kind: ['content.*'], tags: ['prod'] }, receivers: ['pd'] })],
      defaultRoute: { groupWait: 0.3, groupInterval: 0.3, receivers: ['chat'] },
    };
    h = await harness({}, [pd, soc, chat], { config });
    await h.publish(...rugPull('mail'));
    await h.publish(alert({ serverId: 'docs', kind: 'tool.added', severity: 'low' }));
    await eventually(() => pd.accepted.length === 1 && soc.accepted.length === 2 && chat.accepted.length === 2);
    await h.responder.idle();
    // The mail incident (content findings on a prod server) pages, every incident reaches the SOC,
    // and whatever no paging route took goes to chat.
    expect(pd.accepted.map((n) => n.incident.serverId)).toEqual(['mail']);
    expect(soc.accepted.map((n) => n.incident.serverId).sort()).toEqual(['docs', 'mail']);
    expect(chat.accepted.map((n) => n.incident.serverId).sort()).toEqual(['docs', 'mail']);
  });

  it('without receivers: one log line per incident transition, not per alert', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
    h = await harness(FAST, [], { logger });
    await h.publish(...rugPull());
    await eventually(() => lines.some((l) => l.page === true));
    await sleep(500);
    await h.responder.idle();
    const pages = lines.filter((l) => l.page === true);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ transition: 'trigger', serverId: 'mail', alerts: 5, quarantined: true });
  });
});
