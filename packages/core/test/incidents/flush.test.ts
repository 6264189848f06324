import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  addAlert,
  flapRuleFor,
  INCIDENT_DEFAULTS,
  planFlush,
  resolveAlert,
  resolveByHuman,
  takeOutbox,
  type IncidentRecord,
  type Silence,
} from '../../src/index.js';
import { alert, at, ctx, open } from './helpers.js';

const flapOf = (kind: string) => flapRuleFor(INCIDENT_DEFAULTS.flap, kind);
const add = (r: IncidentRecord, ms: number, over = {}, receivers = ['pd']) => {
  const a = alert(over);
  return addAlert(r, { alert: a, receivers, flap: flapOf(a.kind), now: at(ms) });
};
const flush = (r: IncidentRecord, ms: number, c = ctx()) => takeOutboxAll(planFlush(r, c, at(ms)));
let sent: Array<[string, string[]]> = [];
function takeOutboxAll(r: IncidentRecord): IncidentRecord {
  sent.push(...r.outbox.map((e): [string, string[]] => [e.transition, e.receivers]));
  return takeOutbox(r, r.outbox.map((e) => e.seq));
}

describe('incident notifications (Alertmanager semantics)', () => {
  it('waits group_wait, then sends one trigger for every alert that arrived meanwhile', () => {
    sent = [];
    let r = open();
    expect(r.notify.nextFlushAt).toBe(at(5_000).toISOString());
    for (let i = 1; i <= 4; i++) r = add(r, i * 10);
    expect(planFlush(r, ctx(), at(4_999))).toBe(r);
    r = flush(r, 5_000);
    expect(sent).toEqual([['trigger', ['pd']]]);
    expect(r.alerts.every((a) => a.notified)).toBe(true);
    expect(r.notify.nextFlushAt).toBe(at(5_000 + 3600_000).toISOString());
  });

  it('batches later changes per group_interval and repeats an unchanged incident after repeat_interval', () => {
    sent = [];
    let r = flush(open(), 5_000);
    r = add(r, 10_000, { severity: 'low' });
    expect(r.notify.nextFlushAt).toBe(at(65_000).toISOString());
    r = add(r, 20_000);
    r = flush(r, 65_000);
    expect(sent.map((s) => s[0])).toEqual(['trigger', 'update']);
    r = flush(r, 65_000 + 3600_000);
    expect(sent.map((s) => s[0])).toEqual(['trigger', 'update', 'update']);
  });

  it('sends a resolve once every alert resolved, to the receivers that saw it, after group_interval', () => {
    sent = [];
    const first = alert();
    let r = flush(open(first), 5_000);
    r = resolveAlert(r, { alertId: first.id, by: 'approved by alice', now: at(6_000), flapOf });
    expect(r.status).toBe('resolved');
    expect(r.resolvedBy).toBe('approved by alice');
    expect(r.notify.nextFlushAt).toBe(at(65_000).toISOString());
    r = flush(r, 65_000);
    expect(sent).toEqual([
      ['trigger', ['pd']],
      ['resolve', ['pd']],
    ]);
    expect(r.notify.nextFlushAt).toBeUndefined();
    expect(flush(r, 999_999)).toBe(r);
  });

  it('an incident resolved before anyone heard of it notifies no one', () => {
    sent = [];
    const a = alert();
    let r = resolveAlert(open(a), { alertId: a.id, by: 'differ', now: at(1_000), flapOf });
    expect(r.status).toBe('resolved');
    expect(r.notify.nextFlushAt).toBe(at(5_000).toISOString());
    r = flush(r, 5_000);
    expect(sent).toEqual([]);
    expect(r.notify.nextFlushAt).toBeUndefined();
  });

  it('a human ack goes to every receiver at once; an ack before the first notification follows the trigger', () => {
    sent = [];
    let r = flush(open(alert(), ['pd', 'slack']), 5_000);
    r = acknowledge(r, 'bob', 'mine', at(6_000));
    expect(r.outbox.map((e) => [e.transition, e.receivers])).toEqual([['acknowledge', ['pd', 'slack']]]);
    expect(() => acknowledge(r, 'bob', undefined, at(7_000))).toThrow(/already acknowledged/);
    r = resolveByHuman(takeOutbox(r, [r.outbox[0]!.seq]), 'bob', 'fixed', at(8_000));
    expect(r.outbox.map((e) => e.transition)).toEqual(['resolve']);
    expect(() => resolveByHuman(r, 'bob', 'again', at(9_000))).toThrow(/already resolved/);

    sent = [];
    let early = acknowledge(open(), 'bob', undefined, at(1_000));
    expect(early.outbox).toEqual([]);
    early = flush(early, 5_000);
    expect(sent.map((s) => s[0])).toEqual(['trigger', 'acknowledge']);
  });

  it('an alert that joins with a new receiver gets a trigger there, the others an update', () => {
    sent = [];
    let r = flush(open(alert(), ['pd']), 5_000);
    r = add(r, 10_000, { kind: 'content.x', subject: 'tools[a].description' }, ['pd', 'soc']);
    r = flush(r, 65_000);
    expect(sent).toEqual([
      ['trigger', ['pd']],
      ['trigger', ['soc']],
      ['update', ['pd']],
    ]);
  });

  it('silenced alerts are recorded, marked and not notified; when the silence ends they notify', () => {
    sent = [];
    const silence: Silence = { id: 's1', matchers: { kind: 'tool.*' }, author: 'a', comment: 'c', startsAt: at(0).toISOString(), endsAt: at(100_000).toISOString(), createdAt: at(0).toISOString() };
    let r = flush(open(), 5_000, ctx({ silences: [silence] }));
    expect(sent).toEqual([]);
    expect(r.alerts[0]!.silencedBy).toEqual(['s1']);
    expect(r.notify.nextFlushAt).toBe(at(100_000).toISOString());
    r = flush(r, 100_000, ctx({ silences: [silence] }));
    expect(sent).toEqual([['trigger', ['pd']]]);
    expect(r.alerts[0]!.silencedBy).toBeUndefined();
  });

  it('inhibition: later per-tool alerts of a quarantined server are not news; the quarantining change is', () => {
    sent = [];
    const cause = alert({ pollId: 'p1' });
    const sameChange = alert({ pollId: 'p1', kind: 'content.y', subject: 'tools[t].description' });
    let r = open(cause);
    r = addAlert(r, { alert: sameChange, receivers: ['pd'], flap: flapOf(sameChange.kind), now: at(10) });
    const quarantine = { at: at(5).toISOString(), alertId: cause.id, pollId: 'p1' };
    r = flush(r, 5_000, ctx({ inhibition: { quarantine } }));
    expect(sent).toEqual([['trigger', ['pd']]]);
    expect(r.alerts.map((a) => a.inhibitedBy)).toEqual([undefined, undefined]);
    r = add(r, 10_000, { pollId: 'p2' });
    r = flush(r, 65_000, ctx({ inhibition: { quarantine } }));
    expect(sent).toHaveLength(1);
    expect(r.alerts[2]!.inhibitedBy).toBe('server quarantined');
    // Server-level alerts are never inhibited.
    r = add(r, 70_000, { pollId: 'p3', kind: 'server.instructions_changed', subject: 'instructions' });
    r = flush(r, 125_000, ctx({ inhibition: { quarantine } }));
    expect(sent.map((s) => s[0])).toEqual(['trigger', 'update']);
    expect(flush(r, 185_000, ctx({ inhibition: { unreachable: true } })).alerts[0]!.inhibitedBy).toBe('server unreachable');
  });

  it('flap control: an outage fires once a later poll still shows it', () => {
    sent = [];
    const down = alert({ kind: 'server.unreachable', subject: 'server', severity: 'medium' });
    let r = open(down);
    expect(r.alerts[0]!.firingSince).toBeUndefined();
    r = flush(r, 5_000, ctx({ observation: { pollIntervalS: 60, lastPollAt: at(0).toISOString() } }));
    expect(sent).toEqual([]);
    expect(r.notify.nextFlushAt).toBe(at(62_000).toISOString());
    // A poll 60 s later that did not resolve it: fires after the settle time.
    r = flush(r, 62_000, ctx({ observation: { pollIntervalS: 60, lastPollAt: at(60_000).toISOString() } }));
    expect(sent).toEqual([['trigger', ['pd']]]);
    expect(r.alerts[0]!.firingSince).toBe(at(62_000).toISOString());
  });

  it('keep_firing_for: an outage that clears and comes back inside it continues without new notifications', () => {
    sent = [];
    const flap = { for: 1, keepFiringForS: 300 };
    const c = ctx({ flapOf: () => flap });
    const down = alert({ kind: 'server.unreachable', subject: 'server' });
    let r = open(down);
    r = flush(r, 5_000, c);
    r = resolveAlert(r, { alertId: down.id, by: 'differ', now: at(60_000), flapOf: () => flap });
    expect(r.status).toBe('open');
    const again = alert({ id: 'again', kind: 'server.unreachable', subject: 'server', dedupKey: down.dedupKey });
    r = addAlert(r, { alert: again, receivers: ['pd'], flap, now: at(120_000) });
    expect(r.alerts[1]).toMatchObject({ notified: true, firingSince: r.alerts[0]!.firingSince });
    r = flush(r, 125_000, c);
    expect(sent.map((s) => s[0])).toEqual(['trigger']);
    r = resolveAlert(r, { alertId: 'again', by: 'differ', now: at(130_000), flapOf: () => flap });
    expect(planFlush(r, c, at(200_000)).status).toBe('open');
    r = flush(r, 430_000, c);
    expect(r.status).toBe('resolved');
    r = flush(r, 430_000 + 60_000, c);
    expect(sent.map((s) => s[0])).toEqual(['trigger', 'resolve']);
  });

  it('a redelivered alert changes nothing; a newer alert under the same key supersedes the old one', () => {
    const a = alert();
    const r = open(a);
    expect(addAlert(r, { alert: a, receivers: ['pd'], flap: flapOf(a.kind), now: at(1) })).toBe(r);
    const b = alert({ id: 'b', dedupKey: a.dedupKey, subject: a.subject });
    const next = addAlert(r, { alert: b, receivers: ['pd'], flap: flapOf(b.kind), now: at(2) });
    expect(next.alerts.map((x) => [x.id, x.status, x.resolvedBy])).toEqual([
      [a.id, 'resolved', 'superseded by b'],
      ['b', 'open', undefined],
    ]);
    expect(next.status).toBe('open');
    expect(r.alerts).toHaveLength(1); // the input is never mutated
  });

  it('keeps large evidence as a marker in the incident (the alert store keeps it whole)', () => {
    const big = 'x'.repeat(100_000);
    const r = open(alert({ evidence: { before: 'a', after: big } }));
    expect(r.alerts[0]!.evidence).toMatchObject({ truncated: true, bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(r).length).toBeLessThan(10_000);
  });

  it('severity is the highest alert; the title names the worst open alert and counts the rest', () => {
    let r = open(alert({ severity: 'medium', summary: '[mail] medium thing' }));
    r = add(r, 1, { severity: 'critical', summary: '[mail] critical thing' });
    r = add(r, 2, { severity: 'low' });
    expect(r.severity).toBe('critical');
    expect(r.title).toBe('[mail] critical thing (+2 more)');
  });
});
