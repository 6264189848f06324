import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, type Action, type Alert } from '@driftwatch/core';
import { startApp, type App, type Role } from '@driftwatch/cli';
import { BENIGN_TOOLS, OPERATOR, POISONED_DESCRIPTION, config, e2eAuthenticator, fixtureServer, getJson as getAnonymous, postJson as postAnonymous, quietLogger, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? '';

/**
 * The whole pipeline on real Kafka and Redis, each service its own app (its own Kafka clients and
 * Redis connection), as in the distributed deployment.
 */
describe('drift pipeline on Kafka and Redis', () => {
  const ns = `e2e${randomUUID().slice(0, 8)}-`;
  const dir = tempDir('pipeline');
  const rugState = join(dir, 'rug.json');
  const steadyState = join(dir, 'steady.json');
  const rugId = `rug-${ns.slice(3, 11)}`;
  const steadyId = `steady-${ns.slice(3, 11)}`;
  const cfg = config([fixtureServer(rugId, rugState), fixtureServer(steadyId, steadyState)]);
  const apps: App[] = [];
  let api: App;

  // Distributed: every API call needs a credential.
  const getJson = (port: number, path: string) => getAnonymous(port, path, OPERATOR);
  const postJson = (port: number, path: string, body: unknown) => postAnonymous(port, path, body, OPERATOR);

  async function start(role: Role): Promise<App> {
    const app = await startApp({
      roles: [role],
      config: cfg,
      logger: quietLogger(),
      kafkaBrokers: brokers,
      redisUrl,
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      instanceId: `${role}-${ns}`,
      namespace: ns,
      authenticator: e2eAuthenticator(),
    });
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    expect(brokers.length, 'KAFKA_BROKERS from the integration globalSetup').toBeGreaterThan(0);
    writeState(rugState, { tools: BENIGN_TOOLS });
    writeState(steadyState, { tools: BENIGN_TOOLS.slice(1), instructions: 'Read-only mail index.' });
    await start('responder');
    await start('differ');
    api = await start('api');
    await start('poller');
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    removeTempDirs();
  });

  it('adopts both servers on first sight, catches the rug pull and quarantines within bounded time', async () => {
    await waitFor(
      'both servers baselined',
      async () => {
        const { body } = await getJson(api.port, '/v1/servers');
        return body.servers.every((s: { status: string }) => s.status === 'ok') && body.servers.length === 2;
      },
      60_000,
    );
    const steadyBefore = (await getJson(api.port, `/v1/servers/${steadyId}`)).body;

    const changedAt = Date.now();
    writeState(rugState, { tools: [{ ...BENIGN_TOOLS[0], description: POISONED_DESCRIPTION }, BENIGN_TOOLS[1]!] });
    const rug = await waitFor(
      'rug-pull server quarantined',
      async () => {
        const { body } = await getJson(api.port, `/v1/servers/${rugId}`);
        return body.status === 'quarantined' ? body : undefined;
      },
      30_000,
      50,
    );
    const elapsed = Date.now() - changedAt;
    process.stderr.write(`[e2e] tool change → quarantine: ${elapsed} ms (poll interval 2 s)\n`);
    expect(elapsed).toBeLessThan(30_000);

    const drift = rug.openAlerts.find((a: { kind: string }) => a.kind === 'tool.description_changed');
    expect(drift, JSON.stringify(rug.openAlerts.map((a: { kind: string }) => a.kind))).toBeDefined();
    expect(drift.subject).toBe('send_email');
    expect(drift.evidence.before).toContain('Send an e-mail to a recipient.');
    expect(drift.evidence.after).toContain('~/.ssh/id_rsa');
    expect(drift.dedupKey).toBe(`${rugId}|tool.description_changed|send_email`);
    expect(rug.quarantine.actor).toBe('policy');

    // The unchanged server is polled several more times and never alerts.
    await waitFor(
      'three more polls of the steady server',
      async () => {
        const { body } = await getJson(api.port, `/v1/servers/${steadyId}`);
        return Date.parse(body.lastPollAt) - Date.parse(steadyBefore.lastPollAt) >= 3 * 2000 - 500 ? body : undefined;
      },
      20_000,
    );
    const steadyAlerts = (await getJson(api.port, `/v1/alerts?serverId=${steadyId}`)).body.alerts;
    expect(steadyAlerts).toEqual([]);
    expect((await getJson(api.port, `/v1/servers/${steadyId}`)).body.status).toBe('ok');
  });

  it('announces the quarantine on mcp.actions.v1 and never twice when the alert is redelivered', async () => {
    const store = apps[0]!.store;
    const [stored] = await store.listAlerts({ serverId: rugId, status: 'open', minSeverity: 'high' });
    expect(stored).toBeDefined();
    const alert: Alert = stored!.alert;

    // Redeliver the triggering alert twice, straight onto the topic, as a rebalance would.
    const kafka = new Kafka({ brokers, clientId: `${ns}redeliver`, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 2; i++) {
      await producer.send({ topic: TOPICS.alerts, messages: [{ key: rugId, value: JSON.stringify(alert) }] });
    }
    // A marker after the redeliveries, on the same key (same partition): once the responder has
    // stored it, it has handled the redeliveries too.
    const marker: Alert = { ...alert, id: `marker-${randomUUID()}`, severity: 'info', dedupKey: `${rugId}|tool.added|marker`, kind: 'tool.added', subject: 'marker' };
    await producer.send({ topic: TOPICS.alerts, messages: [{ key: rugId, value: JSON.stringify(marker) }] });
    await producer.disconnect();
    await waitFor('marker alert handled', () => store.getAlert(marker.id), 20_000);

    // Read the actions topic from the beginning: the real audit trail.
    const consumer = kafka.consumer({ groupId: `${ns}audit-reader` });
    const seen: Action[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.actions, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const a = JSON.parse(message.value!.toString()) as Action;
        if (a.serverId === rugId) seen.push(a);
      },
    });
    await new Promise((r) => setTimeout(r, 4_000));
    await consumer.disconnect();

    const quarantines = seen.filter((a) => a.action === 'quarantine');
    const pages = seen.filter((a) => a.action === 'page');
    expect(quarantines).toHaveLength(1);
    expect(quarantines[0]!.alertId).toBeDefined();
    expect(pages.filter((p) => p.alertId === alert.id).length).toBeLessThanOrEqual(1);
    const audit = await store.listAudit(100, rugId);
    expect(audit.filter((a) => a.action === 'quarantine')).toHaveLength(1);
  });

  it('lets a human release the quarantine and approve the change; redelivery does not re-quarantine', async () => {
    const bad = await postJson(api.port, `/v1/servers/${rugId}/release`, { because: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/reason/);

    const released = await postJson(api.port, `/v1/servers/${rugId}/release`, { reason: 'investigated: owner rotated the text' });
    expect(released.status).toBe(200);
    const approved = await postJson(api.port, `/v1/servers/${rugId}/approve`, { reason: 'accepted after review' });
    expect(approved.status).toBe(200);
    const audit = await apps[0]!.store.listAudit(100, rugId);
    expect(audit.filter((a) => a.action === 'release' || a.action === 'approve').map((a) => a.actor)).toEqual(['key:alice (k_e2e)', 'key:alice (k_e2e)']);
    expect((await getAnonymous(api.port, `/v1/servers/${rugId}`)).status).toBe(401);
    const after = (await getJson(api.port, `/v1/servers/${rugId}`)).body;
    expect(['ok', 'drifted']).toContain(after.status);
    expect(after.openAlerts.filter((a: { kind: string }) => a.kind.startsWith('tool.'))).toEqual([]);

    // The old alert arrives again: the human's release stands.
    const store = apps[0]!.store;
    const all = await store.listAlerts({ serverId: rugId, limit: 100 });
    const old = all.find((s) => s.alert.kind === 'tool.description_changed')!.alert;
    await apps[0]!.bus.publish(TOPICS.alerts, rugId, old);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await store.getQuarantine(rugId)).toBeNull();
    expect((await getJson(api.port, '/v1/servers/nope')).status).toBe(404);
  });
});
