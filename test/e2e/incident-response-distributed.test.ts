import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { TOPICS, type DriftwatchConfig } from '@driftwatch/core';
import { startApp, type App, type Role } from '@driftwatch/cli';
import { createKey } from '@driftwatch/api';
import { ocsfProblems } from '../support/receivers/index.js';
import { BENIGN_TOOLS, fixtureServer, quietLogger, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';
import { allDelivered, call, excerpt, receiversOf, rugPulled, SwitchablePagerDuty, SECRETS, writeConfig } from './incident-support.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? '';

interface Finding {
  class_uid: number;
  type_uid: number;
  activity_id: number;
  status_id: number;
  finding_info: { uid: string };
  metadata: { uid: string; product: { name: string; version?: string } };
  resources: Array<{ uid: string }>;
  [k: string]: unknown;
}

/**
 * Issue 8 on the distributed deployment: each role its own app on the shared Kafka broker and
 * Redis, receivers from the config file (a PagerDuty double and OCSF on Kafka). Two servers rug
 * pull at once: one PagerDuty trigger per incident, and every OCSF Detection Finding of the run,
 * read back from mcp.ocsf.v1, validates against the class 2004 schema.
 */
describe('incident response on Kafka and Redis (each role its own app)', () => {
  const ns = `e2eir${randomUUID().slice(0, 8)}-`;
  const dir = tempDir('incident-dist');
  const a = `ira-${ns.slice(5, 13)}`;
  const b = `irb-${ns.slice(5, 13)}`;
  const stateA = join(dir, 'a.json');
  const stateB = join(dir, 'b.json');
  const pd = new SwitchablePagerDuty(SECRETS.DW_E2E_PD_ROUTING_KEY);
  const apps: App[] = [];
  const findings: Finding[] = [];
  let consumer: Consumer | undefined;
  let config: DriftwatchConfig;
  let api: App;
  let token: string;

  async function start(role: Role): Promise<App> {
    const app = await startApp({
      roles: [role],
      config,
      logger: quietLogger(),
      kafkaBrokers: brokers,
      redisUrl,
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      instanceId: `${role}-${ns}`,
      namespace: ns,
      signals: null,
    });
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    expect(brokers.length, 'KAFKA_BROKERS from the integration globalSetup').toBeGreaterThan(0);
    await pd.start();
    writeState(stateA, { tools: BENIGN_TOOLS });
    writeState(stateB, { tools: BENIGN_TOOLS });
    ({ config } = await writeConfig(dir, {
      quarantineAt: 'high',
      defaultRoute: { groupWait: '2s', groupInterval: '2s' },
      receivers: { ...receiversOf({ pd }), soc: { type: 'ocsf', kafka: true } },
      servers: [fixtureServer(a, stateA), fixtureServer(b, stateB)],
    }));

    // The SIEM's side: everything on mcp.ocsf.v1 about this run's servers.
    const kafka = new Kafka({ brokers, clientId: `${ns}siem`, logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `${ns}siem` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.ocsf, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (key === a || key === b) findings.push(JSON.parse(message.value!.toString()) as Finding);
      },
    });

    await start('responder');
    await start('differ');
    api = await start('api');
    await start('poller');
    token = (await createKey({ store: api.store, now: () => new Date(), logger: quietLogger() }, { name: 'oncall', scope: 'operate', expires: '1h' }, 'e2e')).token;
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await consumer?.disconnect();
    await pd.close();
    removeTempDirs();
  });

  it('pages once per incident and publishes OCSF Detection Findings (create, update, close) that validate against the schema', async () => {
    await waitFor(
      'both servers baselined',
      async () => {
        for (const id of [a, b]) if ((await call(api.port, 'GET', `/v1/servers/${id}`, token)).body?.status !== 'ok') return false;
        return true;
      },
      60_000,
      100,
    );

    const changedAt = Date.now();
    writeState(stateA, rugPulled());
    writeState(stateB, rugPulled());
    const triggers = await waitFor(
      'one trigger per server',
      async () => {
        const t = pd.events().filter((e) => e.event_action === 'trigger');
        return new Set(t.map((e) => e.payload?.source)).size === 2 ? t : undefined;
      },
      45_000,
      10,
    );
    const firstTriggerAt = pd.accepted()[0]!.at;
    const incidentOf = (server: string) => triggers.find((e) => e.payload?.source === server)!.dedup_key;
    const incA = incidentOf(a);
    const incB = incidentOf(b);
    expect(incA).not.toBe(incB);

    // One incident acknowledged, then resolved by hand, through the API with the operate key.
    expect((await call(api.port, 'POST', `/v1/incidents/${incA}/ack`, token, { reason: 'on it' })).status).toBe(200);
    await waitFor('the acknowledge at PagerDuty', async () => pd.count(incA, 'acknowledge') === 1, 30_000, 20);
    const resolved = await call(api.port, 'POST', `/v1/incidents/${incA}/resolve`, token, { reason: 'false alarm: staged test change' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    await waitFor('the resolve at PagerDuty', async () => pd.count(incA, 'resolve') === 1, 30_000, 20);

    // Everything delivered, and the SIEM has read each finding the deliveries say were published.
    const detailA = await waitFor('incident A delivered', () => allDelivered(api.port, token, incA, 6), 30_000);
    const detailB = await waitFor('incident B delivered', () => allDelivered(api.port, token, incB, 2), 30_000);
    const ocsfKeys = [...detailA.deliveries, ...detailB.deliveries].filter((x: { receiver: string }) => x.receiver === 'soc').map((x: { idempotencyKey: string }) => x.idempotencyKey);
    expect(ocsfKeys).toHaveLength(4);
    await waitFor('the findings on mcp.ocsf.v1', async () => ocsfKeys.every((k: string) => findings.some((f) => f.metadata.uid === k)), 30_000, 50);

    // Validated against OCSF 1.5.0 class 2004, each of them.
    for (const f of findings) expect(ocsfProblems(f), excerpt(f, 2000)).toEqual([]);
    const of = (inc: string) => findings.filter((f) => f.finding_info.uid === inc);
    expect(of(incA).map((f) => [f.type_uid, f.activity_id, f.status_id])).toEqual([
      [200401, 1, 1],
      [200402, 2, 2],
      [200403, 3, 4],
    ]);
    expect(of(incB).map((f) => f.type_uid)).toEqual([200401]);
    expect(of(incA).every((f) => f.class_uid === 2004 && f.resources[0]?.uid === a)).toBe(true);
    expect(new Set(findings.map((f) => f.metadata.uid)).size).toBe(findings.length);
    expect(findings.every((f) => f.metadata.product.name === 'Driftwatch' && /^\d+\.\d+\.\d+/.test(f.metadata.product.version ?? ''))).toBe(true);

    // One PagerDuty trigger per incident, nothing else but A's acknowledge and resolve.
    expect(pd.triggers(incA)).toBe(1);
    expect(pd.triggers(incB)).toBe(1);
    expect(pd.events()).toHaveLength(4);
    expect(pd.problems()).toEqual([]);

    process.stderr.write(
      `[e2e] incident-response (distributed): 2 rug pulls → ${pd.events().filter((e) => e.event_action === 'trigger').length} PagerDuty triggers for 2 incidents; first trigger ${firstTriggerAt - changedAt} ms after the change; ${findings.length} OCSF findings on ${TOPICS.ocsf}, 0 schema problems\n`,
    );
    process.stderr.write(`[e2e] payload ocsf: ${excerpt(of(incA)[0], 1200)}\n`);
  });
});
