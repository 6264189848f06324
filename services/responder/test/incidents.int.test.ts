import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftwatchConfig, makeAction, TOPICS } from '@driftwatch/core';
import { createKafkaBus, type BusPort } from '@driftwatch/bus';
import { createRedisStore, type StatePort } from '@driftwatch/store';
import { createMetrics } from '@driftwatch/runtime';
import { kafkaBrokers, redisUrl, uniqueName } from '../../../test/infra/env.js';
import { eventually } from '../../../test/support/embedded.js';
import { startPagerDutyDouble, testPagerDutyReceiver, type PagerDutyDouble } from '../../../test/support/incidents/pagerduty-double.js';
import { ackIncident } from '../../api/src/incident-operations.js';
import { createResponder, type Responder } from '../src/index.js';
import { driftPull } from './helpers.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('incidents on real Kafka and Redis', () => {
  const ns = uniqueName('inc');
  const serverId = uniqueName('rug').slice(0, 60);
  let bus: BusPort;
  let store: StatePort;
  let responder: Responder;
  let pd: PagerDutyDouble;

  beforeAll(async () => {
    pd = await startPagerDutyDouble();
    bus = createKafkaBus({ brokers: kafkaBrokers(), clientId: ns, logger, sessionTimeoutMs: 6000 });
    await bus.ensureTopics(Object.values(TOPICS));
    store = createRedisStore({ url: redisUrl(), keyPrefix: `${ns}:`, logger });
    responder = createResponder({
      config: DriftwatchConfig.parse({ servers: [{ id: serverId, transport: 'stdio', command: 'node', interval: 5 }], defaultRoute: { groupInterval: '1s' } }),
      bus,
      store,
      logger,
      metrics: createMetrics({ collectDefault: false }),
      receivers: new Map([['pd', testPagerDutyReceiver('pd', pd.url)]]),
      groupId: `${ns}-responder`,
      instanceId: ns,
      sweepMs: 500,
      reconcileMs: 1_000,
      delivery: { scanMs: 200 },
    });
    await responder.start();
  });

  afterAll(async () => {
    await responder?.close();
    await bus?.close();
    await store?.close();
    await pd?.close();
  });

  it('five alerts → one trigger; ack through the operation → acknowledge; approval → one resolve, one dedup_key', async () => {
    const alerts = driftPull(serverId);
    const t0 = Date.now();
    for (const a of alerts) await bus.publish(TOPICS.alerts, serverId, a);
    await eventually(() => store.getQuarantine(serverId), 60_000);
    const quarantineMs = Date.now() - t0;
    await eventually(() => pd.count('trigger') === 1, 60_000);
    const triggerMs = pd.requests[0]!.at - t0;
    const [incident] = await store.listIncidents({ serverId });
    expect(incident!.alerts).toHaveLength(5);
    const dedupKey = pd.events[0]!.dedup_key;
    expect(dedupKey).toBe(incident!.id);

    await ackIncident({ store, bus, now: () => new Date() }, incident!.id, 'alice', 'on it');
    await eventually(() => pd.count('acknowledge') === 1, 30_000);

    // What the API's approve does: resolves the drift alerts in the store and announces it.
    const time = new Date().toISOString();
    for (const s of await store.listAlerts({ serverId, status: 'open' })) {
      await store.putAlert({ ...s, status: 'resolved', resolvedAt: time, resolvedBy: 'approved by alice' });
    }
    await bus.publish(TOPICS.actions, serverId, makeAction({ serverId, action: 'approve', actor: 'alice', reason: 'reviewed', time }, [ns, time]));
    await eventually(() => pd.count('resolve') === 1, 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    await responder.idle();

    expect(pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', dedupKey],
      ['acknowledge', dedupKey],
      ['resolve', dedupKey],
    ]);
    expect(pd.pages()).toBe(1);
    expect(pd.invalid).toEqual([]);
    expect((await store.getIncident(incident!.id))?.status).toBe('resolved');
    const deliveries = await store.listDeliveries(incident!.id);
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    console.log(`[measure] kafka+redis: quarantine after ${quarantineMs} ms, trigger after ${triggerMs} ms (group_wait 5 s), ${pd.pages()} page for ${alerts.length} alerts`);
  });
});
