import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type Action, type Alert } from '@driftwatch/core';
import { createResponder, type Pager } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const CONFIG = { quarantineAt: 'high', servers: [{ id: 'mail', transport: 'stdio', command: 'node' }] };

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'alr_1',
    type: 'alert',
    version: 1,
    time: '2026-11-24T10:00:00.000Z',
    serverId: 'mail',
    action: 'trigger',
    dedupKey: 'mail|tool.description_changed|send_email',
    kind: 'tool.description_changed',
    subject: 'send_email',
    severity: 'high',
    summary: '[mail] Tool "send_email" description changed',
    explanation: 'x',
    remediation: 'y',
    evidence: { before: 'a', after: 'b' },
    ...over,
  };
}

describe('responder', () => {
  let ports: EmbeddedPorts;
  let pages: Alert[];
  let actions: Action[];
  let pager: Pager;
  let failPages = 0;

  beforeEach(async () => {
    ports = await embeddedPorts(CONFIG);
    pages = [];
    failPages = 0;
    pager = {
      async page(a) {
        if (failPages > 0) {
          failPages--;
          throw new Error('pager down');
        }
        pages.push(a);
      },
    };
    actions = await record<Action>(ports.bus, TOPICS.actions);
    const responder = createResponder({ ...ports, pager });
    await responder.start();
  });
  afterEach(() => ports.close());

  it('quarantines at the threshold, pages, records the alert and announces the action', async () => {
    await ports.bus.publish(TOPICS.alerts, 'mail', alert());
    await eventually(() => actions.length >= 2);
    const q = await ports.store.getQuarantine('mail');
    expect(q).toMatchObject({ alertId: 'alr_1', actor: 'policy' });
    expect(actions.map((a) => a.action).sort()).toEqual(['page', 'quarantine']);
    expect(pages).toHaveLength(1);
    expect((await ports.store.getAlert('alr_1'))?.status).toBe('open');
    expect(await ports.metrics.registry.getSingleMetricAsString('driftwatch_quarantined_servers')).toMatch(/driftwatch_quarantined_servers 1/);
  });

  it('never quarantines or pages twice when the same alert is redelivered', async () => {
    for (let i = 0; i < 3; i++) await ports.bus.publish(TOPICS.alerts, 'mail', alert());
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'marker', severity: 'info', dedupKey: 'mail|tool.added|m', kind: 'tool.added', subject: 'm' }));
    await eventually(() => ports.store.getAlert('marker'));
    expect(actions.filter((a) => a.action === 'quarantine')).toHaveLength(1);
    expect(pages).toHaveLength(1);
    expect((await ports.store.listAudit(10, 'mail')).filter((a) => a.action === 'quarantine')).toHaveLength(1);
  });

  it('does not re-quarantine on redelivery after a human released the server', async () => {
    await ports.bus.publish(TOPICS.alerts, 'mail', alert());
    await eventually(() => ports.store.getQuarantine('mail'));
    await eventually(async () => (await ports.store.isClaimed('done:quarantine:alr_1')) || undefined);
    expect(await ports.store.release('mail')).not.toBeNull();
    await ports.bus.publish(TOPICS.alerts, 'mail', alert());
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'marker', severity: 'info', dedupKey: 'mail|tool.added|m', kind: 'tool.added', subject: 'm' }));
    await eventually(() => ports.store.getAlert('marker'));
    expect(await ports.store.getQuarantine('mail')).toBeNull();
  });

  it('leaves servers alone below the threshold', async () => {
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'alr_m', severity: 'medium' }));
    await eventually(() => ports.store.getAlert('alr_m'));
    expect(await ports.store.getQuarantine('mail')).toBeNull();
    expect(pages).toEqual([]);
  });

  it('retries a failed page on redelivery, and pages only once in the end', async () => {
    failPages = 1; // the bus retries the handler; the claim is given back after the failure
    await ports.bus.publish(TOPICS.alerts, 'mail', alert());
    await eventually(() => pages.length === 1);
    expect(actions.filter((a) => a.action === 'page')).toHaveLength(1);
  });

  it('resolves the open alert on a resolve message and supersedes an older trigger', async () => {
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'old', severity: 'low' }));
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'new', severity: 'low' }));
    await eventually(() => ports.store.getAlert('new'));
    // The superseding write follows the insert of the newer alert.
    await eventually(async () => (await ports.store.getAlert('old'))?.status === 'resolved');
    expect((await ports.store.getAlert('old'))?.resolvedBy).toBe('superseded by new');
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'res', action: 'resolve', severity: 'low' }));
    await eventually(async () => (await ports.store.getAlert('new'))?.status === 'resolved');
  });

  it('ignores alerts for servers outside its catalog', async () => {
    await ports.bus.publish(TOPICS.alerts, 'stranger', alert({ id: 'x', serverId: 'stranger', dedupKey: 'stranger|k|s' }));
    await ports.bus.publish(TOPICS.alerts, 'mail', alert({ id: 'marker', severity: 'info', dedupKey: 'mail|tool.added|m', kind: 'tool.added', subject: 'm' }));
    await eventually(() => ports.store.getAlert('marker'));
    expect(await ports.store.getQuarantine('stranger')).toBeNull();
    expect(await ports.store.getAlert('x')).toBeNull();
  });
});
