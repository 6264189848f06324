import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DriftwatchConfig, TOPICS } from '@driftwatch/core';
import { rawSubscription } from '@driftwatch/bus';
import { startApp, type App, type Role } from '@driftwatch/cli';
import { addServer, createKey, type CatalogOpsDeps } from '@driftwatch/api';
import { startMutableHttpServer } from '../fixtures/servers/mutable-http.js';
import { startEchoSecretsHttpServer } from '../fixtures/servers/echo-secrets.js';
import type { RunningServer } from '../fixtures/servers/http-util.js';
import type { FixtureState } from '../fixtures/servers/state.js';
import { BENIGN_TOOLS, quietLogger, removeTempDirs, tempDir, waitFor } from './helpers.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? '';

/** Seconds between polls of the server the tests add: "within one interval" is measured against it. */
const INTERVAL_S = 5;

/** The catalog starts empty and is changed through the API's domain operations only. */
const CONFIG = DriftwatchConfig.parse({ catalog: 'api', allowPrivateNetwork: true, servers: [] });

function opsDeps(api: App): CatalogOpsDeps {
  return { bus: api.bus, store: api.store, now: () => new Date(), catalog: api.catalog.view, mode: api.catalog.mode, allowPrivateNetwork: true };
}

/**
 * Counts the snapshots (and probe failures) of one server on the poller's bus, as any consumer
 * sees them: its own consumer group, filtered by key. (The poller's counters have no server
 * label at fleet scale, and other tests' servers may share the topic.)
 */
async function countPublished(poller: App, serverId: string): Promise<{ count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sub = await poller.bus.subscribe(
    rawSubscription({ groupId: `e2e-count-${randomUUID()}`, topic: TOPICS.snapshots, fromBeginning: false, handler: async (m) => void (m.key === serverId && n++) }),
  );
  return { count: () => n, close: () => sub.close() };
}

interface Measured {
  /** addServer called → the poll started (the snapshot's time). */
  toPollStartMs: number;
  /** addServer called → the poller published the snapshot. */
  toPublishedMs: number;
  /** addServer called → the differ recorded it (server state in the store). */
  toRecordedMs: number;
}

/** An admin key in the deployment's key store, as `driftwatch keys create` would make it. */
async function adminToken(api: App): Promise<string> {
  const created = await createKey({ store: api.store, now: () => new Date(), logger: quietLogger() }, { name: 'e2e-admin', scope: 'admin', expires: '1h' }, 'e2e');
  return created.token;
}

async function callApi(api: App, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Adds a real MCP server with POST /v1/servers and measures until the running deployment polled it;
 * then removes it and checks that no poll of it is published for two more intervals.
 */
async function addThenRemove(api: App, poller: App, url: string, serverId: string, label: string): Promise<Measured> {
  const token = await adminToken(api);
  const published = await countPublished(poller, serverId);
  try {
    const addedAt = Date.now();
    const added = await callApi(api, token, 'POST', '/v1/servers', { id: serverId, transport: 'http', url, interval: INTERVAL_S, timeout: 4, owner: 'e2e', tier: 'test' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    // What the API answers never holds more than the server's public view.
    expect((await callApi(api, token, 'GET', `/v1/servers/${serverId}`)).body).toMatchObject({ id: serverId, owner: 'e2e', tier: 'test' });
    let publishedAt = 0;
    await waitFor(
      'the first poll of the added server',
      async () => {
        if (published.count() > 0) publishedAt ||= Date.now();
        return publishedAt > 0;
      },
      INTERVAL_S * 1000 * 3,
      20,
    );
    const state = await waitFor('the differ to record the poll', async () => (await api.store.getServerState(serverId))?.lastPollAt ? await api.store.getServerState(serverId) : undefined, 30_000, 20);
    const recordedAt = Date.now();
    const measured: Measured = {
      toPollStartMs: Date.parse(state!.lastPollAt!) - addedAt,
      toPublishedMs: publishedAt - addedAt,
      toRecordedMs: recordedAt - addedAt,
    };
    process.stderr.write(
      `[e2e] ${label}: POST /v1/servers → poll started ${measured.toPollStartMs} ms, → snapshot published ${measured.toPublishedMs} ms, → recorded by the differ ${measured.toRecordedMs} ms (interval ${INTERVAL_S} s)\n`,
    );
    expect(measured.toPublishedMs).toBeLessThan(INTERVAL_S * 1000);
    expect(state).toMatchObject({ reachable: true });

    const removed = await callApi(api, token, 'DELETE', `/v1/servers/${serverId}`, { reason: 'end of test' });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    // Let the removal reach the poller (a poll published before it did is legitimate).
    await waitFor('the api view to drop the server', async () => !api.catalog.view.has(serverId), 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const before = published.count();
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 * 2));
    expect(published.count()).toBe(before);
    return measured;
  } finally {
    await published.close();
  }
}

describe('the living catalog on Kafka and Redis (each role its own app)', () => {
  const ns = `e2ecat${randomUUID().slice(0, 8)}-`;
  const dir = tempDir('catalog-dist');
  const apps: App[] = [];
  let mcp: RunningServer;
  let api: App;
  let poller: App;

  async function start(role: Role): Promise<App> {
    const app = await startApp({
      roles: [role],
      config: CONFIG,
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
    mcp = await startMutableHttpServer({ getState: () => ({ tools: BENIGN_TOOLS }) as unknown as FixtureState });
    await start('differ');
    api = await start('api');
    poller = await start('poller');
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await mcp?.close();
    removeTempDirs();
  });

  it('polls a server added with POST /v1/servers within one interval, and stops polling it once removed', async () => {
    const id = `cat-${ns.slice(6, 14)}`;
    // Every process sees the catalog change, not only the one that made it.
    const differApp = apps[0]!;
    const m = await addThenRemove(api, poller, mcp.url, id, 'distributed (Kafka + Redis)');
    expect(m.toRecordedMs).toBeGreaterThanOrEqual(m.toPublishedMs);
    expect(differApp.catalog.view.has(id)).toBe(false);
    const trail = (await api.store.listAudit(10, id)).map((a) => `${a.action} ${a.actor}`);
    expect(trail).toHaveLength(2);
    expect(trail[0]).toMatch(/^server\.remove key:e2e-admin \(k_[a-z2-7]{16}\)$/);
    expect(trail[1]).toMatch(/^server\.add key:e2e-admin \(k_[a-z2-7]{16}\)$/);
  });
});

describe('the living catalog in embedded mode (in-process bus, file store)', () => {
  const dir = tempDir('catalog-embedded');
  let app: App;
  let mcp: RunningServer;
  let echo: RunningServer;
  const canary = `cat-canary-${randomUUID()}`;

  beforeAll(async () => {
    mcp = await startMutableHttpServer({ getState: () => ({ tools: BENIGN_TOOLS }) as unknown as FixtureState });
    echo = await startEchoSecretsHttpServer();
    process.env.DW_E2E_CATALOG_CANARY = canary;
    app = await startApp({
      roles: ['poller', 'differ', 'responder', 'api'],
      config: CONFIG,
      logger: quietLogger(),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      instanceId: 'embedded-catalog',
      signals: null,
    });
  });

  afterAll(async () => {
    await app?.close();
    await mcp?.close();
    await echo?.close();
    delete process.env.DW_E2E_CATALOG_CANARY;
    removeTempDirs();
  });

  it('polls a server added with POST /v1/servers within one interval, and stops polling it once removed', async () => {
    await addThenRemove(app, app, mcp.url, 'embedded-added', 'embedded');
  });

  it('resolves a credential reference only where the probe runs: stored as the reference, sent as the value, masked in what is kept', async () => {
    await addServer(opsDeps(app), { id: 'echo', transport: 'http', url: echo.url, interval: INTERVAL_S, headers: { 'X-Canary-Token': '${DW_E2E_CATALOG_CANARY}' } }, 'e2e-admin');
    const stored = await app.store.getCatalogEntry('echo');
    expect(stored?.transport === 'http' && stored.headers['X-Canary-Token']).toBe('${DW_E2E_CATALOG_CANARY}');
    const snapshot = await waitFor('the echo server polled', () => app.store.getLatestSnapshotJson('echo'), INTERVAL_S * 1000 * 3, 50);
    // The server received the value (it echoes it back) and Driftwatch masked it before keeping it.
    expect(snapshot.json).toContain('[redacted:header:X-Canary-Token]');
    expect(snapshot.json).not.toContain(canary);
    expect(JSON.stringify(await app.store.listCatalog())).not.toContain(canary);
  });
});
