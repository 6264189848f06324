import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type KafkaBus } from '@driftwatch/bus';
import { createOcsfReceiver } from '../../src/receivers/index.js';
import { kafkaBrokers, uniqueName } from '../../../../test/infra/env.js';
import { notification, ocsfProblems } from '../../../../test/support/receivers/index.js';
import { logger, never, receiverConfig } from './harness.js';

/**
 * The OCSF receiver on real Kafka: every transition of an incident is published (key = server
 * id), read back by a consumer, and each event validates against the OCSF 1.5.0 Detection
 * Finding schema. A unique topic stands in for `mcp.ocsf.v1`, so runs sharing a broker never meet.
 */
describe('ocsf receiver on Kafka', () => {
  const buses: KafkaBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  it('publishes one valid Detection Finding per transition, in order, keyed by server', async () => {
    const bus = createKafkaBus({ brokers: kafkaBrokers(), clientId: uniqueName('ocsf-test'), logger, sessionTimeoutMs: 6000 });
    buses.push(bus);
    const topic = uniqueName('mcp.ocsf.v1-test');
    await bus.ensureTopics([topic]);
    const receiver = createOcsfReceiver('lake', receiverConfig({ type: 'ocsf', timeout: '30s' }), { bus, logger, now: () => new Date() }, { topic, productVersion: '0.1.0' });
    const transitions = ['trigger', 'update', 'acknowledge', 'resolve'] as const;
    for (const t of transitions) {
      expect(await receiver.deliver(notification(t, { idempotencyKey: `inc_mail_0001:${t}:1` }), never)).toMatchObject({ ok: true });
    }

    const seen: Array<{ key: string; value: Record<string, unknown> }> = [];
    const sub = await bus.subscribe({
      groupId: uniqueName('ocsf-reader'),
      topic,
      fromBeginning: true,
      decode: (v) => v as Record<string, unknown>,
      handler: async (m) => void seen.push({ key: m.key, value: m.value }),
    });
    const deadline = Date.now() + 60_000;
    while (seen.length < transitions.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await sub.close();

    expect(seen.map((s) => s.key)).toEqual(['mail', 'mail', 'mail', 'mail']);
    for (const s of seen) expect(ocsfProblems(s.value)).toEqual([]);
    expect(seen.map((s) => s.value.type_uid)).toEqual([200401, 200402, 200402, 200403]);
    expect(seen.map((s) => (s.value.finding_info as { uid: string }).uid)).toEqual(['inc_mail_0001', 'inc_mail_0001', 'inc_mail_0001', 'inc_mail_0001']);
    expect(seen.map((s) => (s.value.metadata as { uid: string }).uid)).toEqual(transitions.map((t) => `inc_mail_0001:${t}:1`));
  });
});
