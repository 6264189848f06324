import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIncident, type Alert, type IncidentRecord } from '@driftwatch/core';
import { embeddedPorts, type EmbeddedPorts } from '../../../test/support/embedded.js';
import {
  ackIncident,
  AckBody,
  createSilence,
  deleteSilence,
  getIncident,
  IncidentQuery,
  InvalidInputError,
  listIncidents,
  listSilences,
  NotFoundError,
  ResolveBody,
  resolveIncident,
  SilenceBody,
  SilenceQuery,
  type IncidentOpsDeps,
} from '../src/index.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function incident(serverId: string, ms: number, severity: Alert['severity'] = 'high', group = serverId): IncidentRecord {
  const alert: Alert = {
    id: `a-${serverId}-${ms}`,
    type: 'alert',
    version: 1,
    time: new Date(T0 + ms).toISOString(),
    serverId,
    action: 'trigger',
    dedupKey: `${serverId}|tool.added|x${ms}`,
    kind: 'tool.added',
    subject: `x${ms}`,
    severity,
    summary: `[${serverId}] tool x${ms} added`,
    explanation: 'e',
    remediation: 'r',
    evidence: { after: { name: `x${ms}` } },
  };
  return openIncident({ alert, groupKey: group, receivers: ['pd'], timing: { groupWaitS: 5, groupIntervalS: 60, repeatIntervalS: 3600 }, tags: [], flap: { for: 1, keepFiringForS: 0 }, now: new Date(T0 + ms) });
}

describe('incident operations', () => {
  let ports: EmbeddedPorts;
  let deps: IncidentOpsDeps;
  let now = T0 + 100_000;
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [{ id: 'mail', transport: 'stdio', command: 'node' }] });
    deps = { store: ports.store, bus: ports.bus, now: () => new Date(now) };
  });
  afterEach(() => ports.close());

  it('lists newest first, filters, and pages with an opaque cursor', async () => {
    const a = (await ports.store.putIncident(incident('mail', 1_000, 'low', 'mail|a'), 0))!;
    const b = (await ports.store.putIncident(incident('mail', 2_000, 'critical', 'mail|b'), 0))!;
    const c = (await ports.store.putIncident(incident('docs', 3_000, 'medium'), 0))!;
    const first = await listIncidents(deps, IncidentQuery.parse({ limit: '2' }));
    expect(first.incidents.map((i) => i.id)).toEqual([c.id, b.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listIncidents(deps, IncidentQuery.parse({ limit: '2', cursor: first.nextCursor }));
    expect(second.incidents.map((i) => i.id)).toEqual([a.id]);
    expect(second.nextCursor).toBeUndefined();
    expect((await listIncidents(deps, IncidentQuery.parse({ serverId: 'mail', minSeverity: 'high' }))).incidents.map((i) => i.id)).toEqual([b.id]);
    expect((await listIncidents(deps, IncidentQuery.parse({ status: 'resolved' }))).incidents).toEqual([]);
    expect(first.incidents[0]).toMatchObject({ serverId: 'docs', status: 'open', severity: 'medium', alertCounts: { total: 1, open: 1, silenced: 0, inhibited: 0 }, notified: [] });
    await expect(listIncidents(deps, IncidentQuery.parse({ cursor: 'garbage' }))).rejects.toBeInstanceOf(InvalidInputError);
    expect(IncidentQuery.safeParse({ status: 'closed' }).success).toBe(false);
    expect(IncidentQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(IncidentQuery.safeParse({ evil: '1' }).success).toBe(false);
  });

  it('shows one incident with its alerts, timeline and deliveries; 404 for an unknown id', async () => {
    const r = (await ports.store.putIncident(incident('mail', 1_000), 0))!;
    const detail = await getIncident(deps, r.id);
    expect(detail.incident.alerts).toMatchObject([{ kind: 'tool.added', status: 'open', firing: true, notified: false, evidence: { after: { name: 'x1000' } } }]);
    expect(detail.timeline.map((t) => t.event)).toEqual(['opened']);
    expect(detail.deliveries).toEqual([]);
    expect(detail.incident.notifications.nextEvaluationAt).toBe(new Date(T0 + 6_000).toISOString());
    await expect(getIncident(deps, 'inc_nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('acknowledges and resolves with audit; refuses what the lifecycle does not allow', async () => {
    const r = (await ports.store.putIncident(incident('mail', 1_000), 0))!;
    const ack = await ackIncident(deps, r.id, 'alice', 'looking');
    expect(ack.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    await expect(ackIncident(deps, r.id, 'alice')).rejects.toMatchObject({ code: 'already_acknowledged' });
    const res = await resolveIncident(deps, r.id, 'alice', 'false positive');
    expect(res.incident).toMatchObject({ status: 'resolved', resolvedBy: 'alice' });
    await expect(resolveIncident(deps, r.id, 'alice', 'again')).rejects.toMatchObject({ code: 'already_resolved' });
    await expect(ackIncident(deps, 'inc_nope', 'alice')).rejects.toBeInstanceOf(NotFoundError);
    const audit = await ports.store.listAudit(10, 'mail');
    // Same clock tick: the trail orders entries of one millisecond by server and id, not arrival.
    expect(audit.map((a) => [a.action, a.actor, a.details?.incidentId]).sort()).toEqual([
      ['incident.ack', 'alice', r.id],
      ['incident.resolve', 'alice', r.id],
    ]);
    expect(AckBody.safeParse({}).success).toBe(true);
    expect(ResolveBody.safeParse({}).success).toBe(false);
    expect(ResolveBody.safeParse({ reason: '  ' }).success).toBe(false);
  });

  it('creates, lists and deletes silences, audited, with validated bodies', async () => {
    const body = SilenceBody.parse({ matchers: { serverId: 'mail', kind: 'tool.*' }, comment: 'maintenance window', duration: '2h' });
    const { silence } = await createSilence(deps, body, 'carol');
    expect(silence).toMatchObject({ author: 'carol', state: 'active', startsAt: new Date(now).toISOString(), endsAt: new Date(now + 7_200_000).toISOString() });
    const later = SilenceBody.parse({ matchers: { severity: ['low'] }, comment: 'noise', startsAt: new Date(now + 3600_000).toISOString(), endsAt: new Date(now + 7200_000).toISOString() });
    const { silence: pending } = await createSilence(deps, later, 'carol');
    expect(pending.state).toBe('pending');
    expect((await listSilences(deps, SilenceQuery.parse({ state: 'active' }))).silences.map((s) => s.id)).toEqual([silence.id]);
    expect((await listSilences(deps, SilenceQuery.parse({ serverId: 'mail' }))).silences).toHaveLength(2);
    now += 3 * 3600_000;
    expect((await listSilences(deps)).silences.map((s) => s.state)).toEqual(['expired', 'expired']);
    await deleteSilence(deps, silence.id, 'dave', 'done');
    await expect(deleteSilence(deps, silence.id, 'dave')).rejects.toBeInstanceOf(NotFoundError);
    const audit = await ports.store.listAudit(10);
    expect(audit.map((a) => [a.action, a.serverId, a.actor]).sort()).toEqual([
      ['silence.create', '*', 'carol'],
      ['silence.create', 'mail', 'carol'],
      ['silence.delete', 'mail', 'dave'],
    ]);
    expect(SilenceBody.safeParse({ matchers: {}, comment: 'x', duration: '1h' }).success).toBe(false);
    expect(SilenceBody.safeParse({ matchers: { serverId: 'mail' }, comment: 'x' }).success).toBe(false);
    expect(SilenceBody.safeParse({ matchers: { serverId: 'mail' }, comment: 'x', duration: '1h', endsAt: new Date().toISOString() }).success).toBe(false);
    expect(SilenceBody.safeParse({ matchers: { serverId: 'mail' }, comment: '', duration: '1h' }).success).toBe(false);
    await expect(createSilence(deps, SilenceBody.parse({ matchers: { serverId: 'mail' }, comment: 'past', startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 1000).toISOString() }), 'x')).rejects.toBeInstanceOf(InvalidInputError);
  });
});
