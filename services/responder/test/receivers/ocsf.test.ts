import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessBus } from '@driftwatch/bus';
import { TOPICS } from '@driftwatch/core';
import { createOcsfReceiver, detectionFinding } from '../../src/receivers/index.js';
import { HecDouble, JsonSinkDouble, notification, ocsfProblems } from '../../../../test/support/receivers/index.js';
import { deps, logger, never, receiverConfig } from './harness.js';

const TOKEN = '11111111-2222-3333-4444-555555555555';

describe('OCSF Detection Finding', () => {
  it('maps each transition to a valid class 2004 event (schema-checked)', () => {
    const expected = { trigger: [1, 200401, 1, 'New'], update: [2, 200402, 1, 'New'], acknowledge: [2, 200402, 2, 'In Progress'], resolve: [3, 200403, 4, 'Resolved'] } as const;
    for (const [t, [activity, type, status, statusName]] of Object.entries(expected)) {
      const e = detectionFinding(notification(t as keyof typeof expected), { productVersion: '0.1.0' });
      expect(ocsfProblems(e)).toEqual([]);
      expect(e).toMatchObject({ class_uid: 2004, category_uid: 2, activity_id: activity, type_uid: type, status_id: status, status: statusName, severity_id: 5, severity: 'Critical', time: Date.parse('2026-11-24T10:00:05.000Z') });
    }
    const e = detectionFinding(notification('trigger')) as Record<string, any>;
    expect(e.metadata).toMatchObject({ version: '1.5.0', product: { name: 'Driftwatch', vendor_name: 'Driftwatch' }, uid: 'inc_mail_0001:trigger:1' });
    expect(e.finding_info).toMatchObject({
      uid: 'inc_mail_0001',
      title: 'Tool "send_email" changed and hides text',
      first_seen_time: Date.parse('2026-11-24T10:00:00.000Z'),
      last_seen_time: Date.parse('2026-11-24T10:00:00.001Z'),
      types: ['content.hidden-unicode', 'tool.description_changed'],
    });
    expect(e.resources).toEqual([{ uid: 'mail', name: 'mail', type: 'mcp_server', labels: ['email', 'prod'] }]);
    expect(e.evidences.map((x: { uid: string }) => x.uid)).toEqual(['alr_hidden', 'alr_desc']);
    expect(e.remediation.desc).toContain('Quarantine the server');
    expect(e.is_alert).toBe(true);
    expect((detectionFinding(notification('resolve')) as { is_alert: boolean }).is_alert).toBe(false);
  });

  it('maps severities to severity_id 1–5', () => {
    const ids = (['info', 'low', 'medium', 'high', 'critical'] as const).map((s) => (detectionFinding(notification('trigger', { incident: { severity: s } })) as { severity_id: number }).severity_id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });

  it('the schema refuses what OCSF refuses', () => {
    const good = detectionFinding(notification('trigger')) as Record<string, any>;
    const bad = (mutate: (e: Record<string, any>) => void) => {
      const e = structuredClone(good);
      mutate(e);
      return ocsfProblems(e);
    };
    expect(bad((e) => (e.type_uid = 200402))).not.toEqual([]);
    expect(bad((e) => delete e.metadata.version)).not.toEqual([]);
    expect(bad((e) => delete e.finding_info.uid)).not.toEqual([]);
    expect(bad((e) => (e.time = '2026-11-24'))).not.toEqual([]);
    expect(bad((e) => (e.severity_id = 7))).not.toEqual([]);
    expect(bad((e) => (e.class_uid = 2001))).not.toEqual([]);
    expect(bad((e) => (e.evidences = [{ name: 'x' }]))).not.toEqual([]);
    expect(bad((e) => (e.finding_info.titel = 'typo'))).not.toEqual([]);
    expect(bad((e) => (e.status = 'Open'))).not.toEqual([]);
  });

  it('stays within 512 KB however large the incident', () => {
    const big = 'z'.repeat(400_000);
    const alerts = Array.from({ length: 30 }, (_, i) => ({ ...notification().incident.alerts[0]!, id: `a${i}`, remediation: big, evidence: { after: big } }));
    const e = detectionFinding(notification('trigger', { incident: { alerts } }));
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(512 * 1024);
    expect(ocsfProblems(e)).toEqual([]);
  });
});

describe('ocsf receiver', () => {
  let hec: HecDouble;
  let sink: JsonSinkDouble;
  beforeEach(async () => {
    hec = new HecDouble(TOKEN, ocsfProblems);
    sink = new JsonSinkDouble({ expectHeaders: { authorization: 'Bearer sinktoken0000000000001' }, check: ocsfProblems });
    await hec.start();
    await sink.start();
  });
  afterEach(async () => {
    await hec.close();
    await sink.close();
  });

  it('publishes to mcp.ocsf.v1 (key = server id), Splunk HEC and the HTTP sink, each event valid', async () => {
    const bus = createInProcessBus({ logger });
    const seen: Array<{ key: string; value: unknown }> = [];
    await bus.subscribe({ groupId: 'rec', topic: TOPICS.ocsf, decode: (v) => v, handler: async (m) => void seen.push({ key: m.key, value: m.value }) });
    const config = receiverConfig({
      type: 'ocsf',
      splunkHec: { url: hec.url, token: TOKEN },
      http: { url: `${sink.url}/ocsf`, headers: { authorization: 'Bearer sinktoken0000000000001' } },
      allowPrivateNetwork: true,
    });
    const r = createOcsfReceiver('siem', config, deps({ bus }));
    expect(await r.deliver(notification('trigger'), never)).toEqual({ ok: true, detail: 'delivered to kafka, splunkHec, http' });
    expect(await r.deliver(notification('resolve'), never)).toMatchObject({ ok: true });
    await bus.close();
    expect(hec.problems()).toEqual([]);
    expect(sink.problems()).toEqual([]);
    expect(seen.map((s) => s.key)).toEqual(['mail', 'mail']);
    for (const s of seen) expect(ocsfProblems(s.value)).toEqual([]);
    expect(hec.events().map((e) => (e as { type_uid: number }).type_uid)).toEqual([200401, 200403]);
    const raw = hec.accepted()[0]!.json as { sourcetype: string; time: number; source: string };
    expect(raw).toMatchObject({ sourcetype: 'ocsf:detection_finding', source: 'driftwatch', time: Date.parse('2026-11-24T10:00:05.000Z') / 1000 });
    expect(sink.bodies()).toHaveLength(2);
  });

  it('a retry after a partial failure sends only to the sinks that did not take it', async () => {
    hec.script(503);
    const config = receiverConfig({ type: 'ocsf', kafka: false, splunkHec: { url: hec.url, token: TOKEN }, http: { url: sink.url, headers: { authorization: 'Bearer sinktoken0000000000001' } }, allowPrivateNetwork: true });
    const r = createOcsfReceiver('siem', config, deps());
    const first = await r.deliver(notification('trigger'), never);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect((first as { reason: string }).reason).toContain('ocsf receiver siem (Splunk HEC) answered HTTP 503');
    expect(await r.deliver(notification('trigger'), never)).toMatchObject({ ok: true });
    expect(sink.bodies()).toHaveLength(1);
    expect(hec.events()).toHaveLength(1);
  });

  it('a wrong HEC token is permanent and never quoted', async () => {
    const config = receiverConfig({ type: 'ocsf', kafka: false, splunkHec: { url: hec.url, token: 'wrong-token-wrong-token' }, allowPrivateNetwork: true });
    const outcome = await createOcsfReceiver('siem', config, deps()).deliver(notification('trigger'), never);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(outcome)).not.toContain('wrong-token-wrong-token');
  });

  it('a bus that does not answer in time is retryable', async () => {
    const bus = { ...createInProcessBus({ logger }), publish: () => new Promise<void>(() => undefined) };
    const config = receiverConfig({ type: 'ocsf', timeout: '150ms' });
    const outcome = await createOcsfReceiver('siem', config, deps({ bus })).deliver(notification('trigger'), never);
    expect(outcome).toMatchObject({ ok: false, retryable: true, reason: 'ocsf receiver siem: Kafka publish to mcp.ocsf.v1 failed: no acknowledgement within 150 ms' });
  });
});
