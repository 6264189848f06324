import { afterEach, describe, expect, it } from 'vitest';
import { TOPICS } from '@driftwatch/core';
import { eventually } from '../../../test/support/embedded.js';
import { RecordingReceiver } from '../../../test/support/incidents/recording-receiver.js';
import { alert, harness, resolveOf, rugPull, type Harness } from './helpers.js';

const FAST = { quarantineAt: 'high', defaultRoute: { groupWait: 0, groupInterval: '200ms' } };

describe('responder: alert lifecycle and quarantine', () => {
  let h: Harness;
  let pd: RecordingReceiver;
  afterEach(() => h.close());

  async function start(config: Record<string, unknown> = FAST): Promise<void> {
    pd = new RecordingReceiver('pd');
    h = await harness(config, [pd]);
  }

  it('quarantines at the threshold, records the alert, announces the action, and notifies', async () => {
    await start();
    const a = alert({ id: 'alr_1' });
    await h.publish(a);
    await eventually(() => pd.accepted.length === 1);
    const q = await h.ports.store.getQuarantine('mail');
    expect(q).toMatchObject({ alertId: 'alr_1', actor: 'policy' });
    expect((await h.ports.store.getAlert('alr_1'))?.status).toBe('open');
    await eventually(() => h.actions.some((x) => x.action === 'notify'));
    expect(h.actions.filter((x) => x.action === 'quarantine')).toHaveLength(1);
    expect(pd.accepted[0]).toMatchObject({ transition: 'trigger', incident: { serverId: 'mail', quarantined: true, severity: 'high' } });
    expect(await h.ports.metrics.registry.getSingleMetricAsString('driftwatch_quarantined_servers')).toMatch(/driftwatch_quarantined_servers 1/);
  });

  it('never quarantines or notifies twice when the same alert is redelivered', async () => {
    await start();
    const a = alert();
    for (let i = 0; i < 3; i++) await h.publish(a);
    const marker = alert({ severity: 'info', kind: 'tool.added', subject: 'm' });
    await h.publish(marker);
    await eventually(() => h.ports.store.getAlert(marker.id));
    await eventually(() => pd.accepted.length >= 1);
    await h.responder.idle();
    expect(h.actions.filter((x) => x.action === 'quarantine')).toHaveLength(1);
    expect((await h.ports.store.listAudit(50, 'mail')).filter((x) => x.action === 'quarantine')).toHaveLength(1);
    expect(pd.calls).toHaveLength(1);
  });

  it('does not re-quarantine on redelivery after a human released the server', async () => {
    await start();
    const a = alert();
    await h.publish(a);
    await eventually(async () => (await h.ports.store.isClaimed(`done:quarantine:${a.id}`)) || undefined);
    expect(await h.ports.store.release('mail')).not.toBeNull();
    await h.publish(a);
    const marker = alert({ severity: 'info', kind: 'tool.added', subject: 'm' });
    await h.publish(marker);
    await eventually(() => h.ports.store.getAlert(marker.id));
    expect(await h.ports.store.getQuarantine('mail')).toBeNull();
  });

  it('leaves servers alone and notifies no one below the thresholds', async () => {
    await start();
    const a = alert({ severity: 'medium' });
    await h.publish(a);
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' })).length > 0);
    await h.responder.idle();
    expect(await h.ports.store.getQuarantine('mail')).toBeNull();
    expect(pd.calls).toEqual([]);
    // Recorded all the same: as an incident nobody was told about.
    const [inc] = await h.ports.store.listIncidents({ serverId: 'mail' });
    expect(inc).toMatchObject({ status: 'open', severity: 'medium', notify: { seen: [] } });
  });

  it('pages below the quarantine threshold when pageAt says so', async () => {
    await start({ ...FAST, pageAt: 'medium' });
    await h.publish(alert({ severity: 'medium' }));
    await eventually(() => pd.accepted.length === 1);
    expect(await h.ports.store.getQuarantine('mail')).toBeNull();
    expect(pd.accepted[0]!.incident.quarantined).toBe(false);
  });

  it('resolves the open alert on a resolve message and supersedes an older trigger', async () => {
    await start();
    const old = alert({ id: 'old', severity: 'low', subject: 's' });
    const next = alert({ id: 'new', severity: 'low', subject: 's' });
    await h.publish(old, next);
    await eventually(() => h.ports.store.getAlert('new'));
    // The older trigger is superseded after the newer one is stored, not with it.
    await eventually(async () => (await h.ports.store.getAlert('old'))?.status === 'resolved');
    await h.publish(resolveOf(next));
    await eventually(async () => (await h.ports.store.getAlert('new'))?.status === 'resolved');
    await eventually(async () => (await h.ports.store.listIncidents({ serverId: 'mail' }))[0]?.status === 'resolved');
  });

  it('rebuilds a lost store before it acts on an alert: the quarantine the store had is found, not made again', async () => {
    pd = new RecordingReceiver('pd');
    // What a rebuild from Kafka restores: the server quarantined by an earlier alert of the same
    // poll (the change); that alert's record and its incident were lost with the store.
    let rebuilds = 0;
    h = await harness(FAST, [pd], {
      ensureState: async () => {
        if (rebuilds++ === 0) await h.ports.store.quarantine('mail', { reason: 'earlier alert', alertId: 'alr_earlier', pollId: 'poll-1', actor: 'policy', at: new Date().toISOString() });
      },
    });
    await h.publish(alert({ id: 'alr_later' }));
    await eventually(() => pd.accepted.length === 1);
    expect(rebuilds).toBeGreaterThanOrEqual(1);
    expect(await h.ports.store.getQuarantine('mail')).toMatchObject({ alertId: 'alr_earlier' });
    expect(h.actions.filter((x) => x.action === 'quarantine')).toEqual([]);
    // Paged: the same change as the quarantine's alert (same poll), so not inhibited by it.
    expect(pd.accepted[0]!.incident.quarantined).toBe(true);
  });

  it('announces one quarantine per change: another alert of the same poll that quarantines again repeats its id', async () => {
    await start();
    const [first, second] = rugPull('mail', 'poll-change');
    await h.publish(first!);
    await eventually(() => h.actions.some((x) => x.action === 'quarantine'));
    // What a store emptied under the responder looks like to the next alert of the change.
    await h.ports.store.release('mail');
    await h.publish(second!);
    await eventually(async () => (await h.ports.store.getQuarantine('mail'))?.alertId === second!.id);
    await eventually(() => h.actions.filter((x) => x.action === 'quarantine').length === 2);
    // Receivers dedup by action id: one quarantine.
    expect(new Set(h.actions.filter((x) => x.action === 'quarantine').map((x) => x.id)).size).toBe(1);
  });

  it('ignores alerts for servers outside its catalog', async () => {
    await start();
    await h.ports.bus.publish(TOPICS.alerts, 'stranger', alert({ id: 'x', serverId: 'stranger' }));
    const marker = alert({ severity: 'info', kind: 'tool.added', subject: 'm' });
    await h.publish(marker);
    await eventually(() => h.ports.store.getAlert(marker.id));
    expect(await h.ports.store.getQuarantine('stranger')).toBeNull();
    expect(await h.ports.store.getAlert('x')).toBeNull();
    expect(await h.ports.store.listIncidents({ serverId: 'stranger' })).toEqual([]);
  });

  it('does not quarantine a server marked `quarantine: never`, nor on a low-confidence content finding', async () => {
    pd = new RecordingReceiver('pd');
    h = await harness({ ...FAST, minConfidenceToQuarantine: 0.7, servers: [{ id: 'mail', transport: 'stdio', command: 'node', quarantine: 'never' }, { id: 'docs', transport: 'stdio', command: 'node' }] }, [pd]);
    const never = alert({ serverId: 'mail', severity: 'critical' });
    const weak = alert({ serverId: 'docs', kind: 'content.imperative-text', subject: 'tools[x].description', confidence: 0.4 });
    await h.publish(never, weak);
    await eventually(() => pd.accepted.length === 2);
    expect(await h.ports.store.getQuarantine('mail')).toBeNull();
    expect(await h.ports.store.getQuarantine('docs')).toBeNull();
    const sure = alert({ serverId: 'docs', kind: 'content.imperative-text', subject: 'tools[y].description', confidence: 0.9 });
    await h.publish(sure);
    await eventually(() => h.ports.store.getQuarantine('docs'));
  });
});
