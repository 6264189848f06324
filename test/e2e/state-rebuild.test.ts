import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Baseline, type DriftwatchConfig } from '@driftwatch/core';
import { startApp, type App, type Role } from '@driftwatch/cli';
import { deleteRedisPrefix } from '../support/redis-prefix.js';
import { BENIGN_TOOLS, config, e2eAuthenticator, fixtureServer, getJson, OPERATOR, postJson, quietLogger, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';
import { rugPulled } from './incident-support.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? '';

/**
 * Issue 9, part 3: Redis lost (every key of the deployment deleted) after a baseline was approved
 * and a rug pull quarantined the server. Restarted, the deployment rebuilds both from Kafka before
 * it compares anything: the rug-pulled surface raises drift again instead of becoming the
 * baseline by trust on first use, and the server is still quarantined.
 */
describe('state rebuilt from Kafka after a Redis loss (each role its own app)', () => {
  const ns = `e2erb${randomUUID().slice(0, 8)}-`;
  const keyPrefix = `${ns}dw:`;
  const dir = tempDir('rebuild');
  const id = `rb-${ns.slice(5, 13)}`;
  const stateFile = join(dir, 'state.json');
  let apps: App[] = [];
  let cfg: DriftwatchConfig;

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
      signals: null,
      ...(role === 'api' ? { authenticator: e2eAuthenticator() } : {}),
    });
    apps.push(app);
    return app;
  }

  async function stopAll(): Promise<void> {
    for (const app of apps.reverse()) await app.close();
    apps = [];
  }

  const status = async (api: App) => (await getJson(api.port, '/v1/servers', OPERATOR)).body?.servers?.find((s: { id: string }) => s.id === id)?.status;

  beforeAll(async () => {
    expect(brokers.length, 'KAFKA_BROKERS from the integration globalSetup').toBeGreaterThan(0);
    writeState(stateFile, { tools: BENIGN_TOOLS });
    cfg = config([fixtureServer(id, stateFile)], { quarantineAt: 'high' });
  });

  afterAll(async () => {
    await stopAll();
    await deleteRedisPrefix(redisUrl, keyPrefix);
    removeTempDirs();
  });

  it('brings back the approved baseline and the quarantine, and raises the rug pull as drift instead of adopting it', async () => {
    // Before the loss: first use, then a human approves the surface, then the rug pull is quarantined.
    await start('responder');
    await start('differ');
    let api = await start('api');
    await start('poller');
    await waitFor('the server baselined', async () => (await status(api)) === 'ok', 60_000, 100);
    const approved = await postJson(api.port, `/v1/servers/${id}/approve`, { reason: 'reviewed the surface' }, OPERATOR);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const before = Baseline.parse(JSON.parse((await api.store.getBaselineJson(id))!.json));
    expect(before).toMatchObject({ origin: 'approval', approvedBy: 'key:alice (k_e2e)' });

    writeState(stateFile, rugPulled());
    await waitFor('the rug pull quarantined', async () => (await status(api)) === 'quarantined', 60_000, 100);
    const quarantine = await api.store.getQuarantine(id);
    expect(quarantine).toMatchObject({ actor: 'policy' });

    // The loss: every process stopped, every Redis key of the deployment deleted.
    await stopAll();
    await deleteRedisPrefix(redisUrl, keyPrefix);

    // Restart without the poller first: what the store holds before any snapshot is compared.
    const restartAt = Date.now();
    const differ = await start('differ');
    const startedAt = Date.now();
    const differReady = await waitFor('the differ ready', async () => (await fetch(`http://127.0.0.1:${differ.port}/readyz`)).status === 200, 30_000, 20);
    const readyAt = Date.now();
    expect(differReady).toBe(true);
    await start('responder');
    api = await start('api');
    process.stderr.write(
      `[e2e] Redis lost: restart → differ started (rebuilt from Kafka) ${startedAt - restartAt} ms, → ready ${readyAt - restartAt} ms; differ+responder+api up ${Date.now() - restartAt} ms\n`,
    );

    const rebuilt = Baseline.parse(JSON.parse((await api.store.getBaselineJson(id))!.json));
    expect(rebuilt.fingerprint).toBe(before.fingerprint);
    expect(rebuilt).toMatchObject({ origin: 'approval', approvedBy: before.approvedBy, id: before.id });
    expect(await api.store.getQuarantine(id)).toEqual(quarantine);
    expect(await status(api)).toBe('quarantined');

    // Now the rug-pulled surface is polled again: drift against the approved baseline, not adopted.
    await start('poller');
    const drift = await waitFor(
      'the drift alert',
      async () => {
        const open = await api.store.listAlerts({ serverId: id, status: 'open' });
        return open.find((a) => !a.alert.kind.startsWith('content.') && a.alert.kind !== 'server.unreachable');
      },
      60_000,
      100,
    );
    expect(drift.alert.severity).toMatch(/high|critical/);
    const after = await api.store.getBaselineJson(id);
    expect(after?.fingerprint).toBe(before.fingerprint);
    // The differ publishes the alert before it records the server's state (so a crash between the
    // two re-publishes rather than loses the alert): the drifted flag lands a moment after.
    const drifted = await waitFor('the server marked drifted', async () => (await api.store.getServerState(id))?.drifted === true, 10_000, 50);
    expect(drifted).toBe(true);
    // Not trust on first use: no `baseline` action for the server since the loss.
    expect((await api.store.listAudit(100, id)).map((a) => a.action)).not.toContain('baseline');
    expect(await status(api)).toBe('quarantined');
  });
});
