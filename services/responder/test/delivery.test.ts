import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DriftwatchConfig, notificationOf, openIncident, TOPICS, type DeliveryRecord, type IncidentTransition, type Receiver } from '@driftwatch/core';
import { createInProcessBus } from '@driftwatch/bus';
import { createFileStore, type StatePort } from '@driftwatch/store';
import { createMetrics } from '@driftwatch/runtime';
import { eventually } from '../../../test/support/embedded.js';
import { RecordingReceiver } from '../../../test/support/incidents/recording-receiver.js';
import { startPagerDutyDouble, testPagerDutyReceiver, type PagerDutyDouble } from '../../../test/support/incidents/pagerduty-double.js';
import { createDeliveryEngine, createResponder, type DeliveryEngine, type Responder } from '../src/index.js';
import { backoffMs } from '../src/delivery/backoff.js';
import { alert, rugPull, SERVERS } from './helpers.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function tempStore(dir = mkdtempSync(join(tmpdir(), 'dw-dlv-'))): Promise<{ store: StatePort; dir: string }> {
  const store = await createFileStore({ dir, logger: silent });
  return { store, dir };
}

function deliveryFor(receiver: string, seq: number, transition: IncidentTransition = 'trigger', incidentSeed = 'a'): DeliveryRecord {
  const rec = openIncident({
    alert: alert({ id: `seed-${incidentSeed}` }),
    groupKey: `mail|${incidentSeed}`,
    receivers: [receiver],
    timing: { groupWaitS: 0, groupIntervalS: 1, repeatIntervalS: 3600 },
    tags: [],
    flap: { for: 1, keepFiringForS: 0 },
    now: new Date(),
  });
  const at = new Date().toISOString();
  const notification = notificationOf({ ...rec, alerts: rec.alerts.map((a) => ({ ...a, notified: true })) }, { seq, transition, at }, receiver, {});
  return { key: notification.idempotencyKey, incidentId: rec.id, serverId: 'mail', receiver, seq, transition, status: 'pending', attempts: 0, createdAt: at, nextAttemptAt: at, notification };
}

async function engineFor(store: StatePort, receivers: Receiver[], extra: Partial<Parameters<typeof createDeliveryEngine>[0]> = {}) {
  const metrics = createMetrics({ collectDefault: false });
  const bus = createInProcessBus({ logger: silent });
  const engine: DeliveryEngine = createDeliveryEngine({
    store,
    bus,
    sinks: new Map(receivers.map((r) => [r.name, r])),
    logger: silent,
    metrics,
    instanceId: 'test',
    baseBackoffMs: 20,
    maxBackoffMs: 200,
    scanMs: 50,
    timeoutMs: 1_000,
    ...extra,
  });
  cleanups.push(() => bus.close());
  cleanups.push(() => engine.close());
  await engine.start();
  return { engine, metrics };
}

describe('delivery engine', () => {
  let pd: PagerDutyDouble;
  afterEach(async () => pd?.close());

  it('scripted 429, 500, then 202: delivered exactly once, with backoff, counted in metrics', async () => {
    pd = await startPagerDutyDouble();
    pd.script(429, 500);
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const d = deliveryFor('pd', 1);
    await store.createDelivery(d);
    const { engine, metrics } = await engineFor(store, [testPagerDutyReceiver('pd', pd.url)]);
    await eventually(async () => (await store.getDelivery(d.key))?.status === 'delivered');
    await engine.idle();
    expect(pd.requests.map((r) => r.status)).toEqual([429, 500, 202]);
    expect(new Set(pd.requests.map((r) => r.idempotencyKey))).toEqual(new Set([d.key]));
    expect(pd.pages()).toBe(1);
    expect(pd.invalid).toEqual([]);
    expect(pd.requests[1]!.at - pd.requests[0]!.at).toBeGreaterThanOrEqual(10);
    expect(await store.getDelivery(d.key)).toMatchObject({ status: 'delivered', attempts: 3 });
    const counts = await metrics.registry.getSingleMetricAsString('driftwatch_notifications_total');
    expect(counts).toMatch(/driftwatch_notifications_total\{receiver="pd",outcome="retry"\} 2/);
    expect(counts).toMatch(/driftwatch_notifications_total\{receiver="pd",outcome="delivered"\} 1/);
    expect(await metrics.registry.getSingleMetricAsString('driftwatch_notification_delivery_seconds')).toMatch(/driftwatch_notification_delivery_seconds_count\{receiver="pd"\} 1/);
  });

  it('a 400 is permanent: failed after one attempt, visible, never retried', async () => {
    pd = await startPagerDutyDouble();
    pd.script(400);
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const d = deliveryFor('pd', 1);
    await store.createDelivery(d);
    const { engine, metrics } = await engineFor(store, [testPagerDutyReceiver('pd', pd.url)]);
    await eventually(async () => (await store.getDelivery(d.key))?.status === 'failed');
    await sleep(200);
    await engine.idle();
    expect(pd.requests).toHaveLength(1);
    expect(await store.getDelivery(d.key)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 400' });
    expect(await store.listOpenDeliveries()).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('driftwatch_notifications_total')).toMatch(/outcome="failed"\} 1/);
  });

  it('gives up after maxAttempts on a receiver that keeps failing, and honours Retry-After', async () => {
    const rx = new RecordingReceiver('rx', [
      { ok: false, retryable: true, reason: 'HTTP 429', retryAfterMs: 300 },
      { ok: false, retryable: true, reason: 'HTTP 503' },
      { ok: false, retryable: true, reason: 'HTTP 503' },
      'throw',
    ]);
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const d = deliveryFor('rx', 1);
    await store.createDelivery(d);
    await engineFor(store, [rx], { maxAttempts: 4 });
    await eventually(async () => (await store.getDelivery(d.key))?.status === 'failed', 5_000);
    expect(rx.calls).toHaveLength(4);
    expect(rx.calls[1]!.at - rx.calls[0]!.at).toBeGreaterThanOrEqual(290);
    expect(await store.getDelivery(d.key)).toMatchObject({ attempts: 4, lastError: expect.stringContaining('receiver threw') });
  });

  it('keeps one incident’s transitions to one receiver in order', async () => {
    const rx = new RecordingReceiver('rx', [
      { ok: false, retryable: true, reason: 'HTTP 503' },
      { ok: false, retryable: true, reason: 'HTTP 503' },
    ]);
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const trigger = deliveryFor('rx', 1, 'trigger');
    const resolve = deliveryFor('rx', 2, 'resolve');
    await store.createDelivery(trigger);
    await store.createDelivery(resolve);
    await engineFor(store, [rx]);
    await eventually(async () => (await store.getDelivery(resolve.key))?.status === 'delivered');
    expect(rx.calls.map((c) => c.notification.transition)).toEqual(['trigger', 'trigger', 'trigger', 'resolve']);
  });

  it('closing waits for a receiver that never answers only as long as the drain; the delivery is retried later', async () => {
    const rx = new RecordingReceiver('rx', ['hang']);
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const d = deliveryFor('rx', 1);
    await store.createDelivery(d);
    const { engine } = await engineFor(store, [rx], { timeoutMs: 60_000, drainMs: 300 });
    await eventually(() => rx.calls.length === 1);
    const t0 = Date.now();
    await engine.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(1_300);
    expect(await store.getDelivery(d.key)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'shutting down before an answer' });
  });

  it('closing lets an answer already on its way be recorded, so a graceful restart sends nothing twice', async () => {
    const { store } = await tempStore();
    cleanups.push(() => store.close());
    const d = deliveryFor('slow', 1);
    await store.createDelivery(d);
    let calls = 0;
    const slow: Receiver = {
      name: 'slow',
      kind: 'webhook',
      async deliver() {
        calls++;
        await sleep(300);
        return { ok: true };
      },
    };
    const { engine } = await engineFor(store, [slow], { drainMs: 5_000 });
    await eventually(() => calls === 1);
    const closing = engine.close();
    // close() is memoised: a second caller waits for the same drain.
    expect(engine.close()).toBe(closing);
    await closing;
    expect(await store.getDelivery(d.key)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(calls).toBe(1);
  });

  it('backs off exponentially with jitter, capped, with Retry-After as a floor', () => {
    const opts = { baseMs: 1_000, maxMs: 60_000, maxRetryAfterMs: 3600_000 };
    expect(backoffMs(1, opts, () => 0)).toBe(500);
    expect(backoffMs(1, opts, () => 1)).toBe(1_000);
    expect(backoffMs(4, opts, () => 1)).toBe(8_000);
    expect(backoffMs(20, opts, () => 1)).toBe(60_000);
    expect(backoffMs(1, opts, () => 0, 30_000)).toBe(30_000);
    expect(backoffMs(1, opts, () => 0, 10 * 3600_000)).toBe(3600_000);
  });

  it('refuses options out of range, naming them', () => {
    expect(() => createDeliveryEngine({ store: {} as StatePort, bus: {} as never, sinks: new Map(), logger: silent, metrics: createMetrics({ collectDefault: false }), instanceId: 'x', concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('delivery through the responder', () => {
  let pd: PagerDutyDouble;
  afterEach(async () => pd?.close());

  async function responderOn(store: StatePort, receivers: Receiver[], config: Record<string, unknown> = {}) {
    const bus = createInProcessBus({ logger: silent, retryBackoffMs: 5 });
    const metrics = createMetrics({ collectDefault: false });
    const responder: Responder = createResponder({
      config: DriftwatchConfig.parse({ servers: SERVERS, defaultRoute: { groupWait: '200ms', groupInterval: '200ms' }, ...config }),
      bus,
      store,
      logger: silent,
      metrics,
      receivers: new Map(receivers.map((r) => [r.name, r])),
      delivery: { baseBackoffMs: 50, maxBackoffMs: 200, scanMs: 100, timeoutMs: 500 },
      sweepMs: 100,
    });
    await responder.start();
    return { bus, responder, metrics };
  }

  it('a restart between "sent" and "recorded" does not make the receiver see a second trigger', async () => {
    pd = await startPagerDutyDouble();
    const { store, dir } = await tempStore();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // The process dies right after PagerDuty accepted the trigger, before the store heard of it.
    let dead = false;
    const dying = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (dead) return Promise.reject(new Error('process is dead'));
          if (prop === 'putDelivery' && (args[0] as DeliveryRecord).status === 'delivered') {
            dead = true;
            return Promise.reject(new Error('killed between send and record'));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const first = await responderOn(dying, [testPagerDutyReceiver('pd', pd.url)]);
    for (const a of rugPull()) await first.bus.publish(TOPICS.alerts, a.serverId, a);
    await eventually(() => dead, 10_000);
    await first.responder.close().catch(() => undefined);
    await first.bus.close();
    await store.close();
    expect(pd.count('trigger')).toBe(1);

    // Restart on the same data directory.
    const reopened = await tempStore(dir);
    cleanups.push(() => reopened.store.close());
    const [pending] = await reopened.store.listOpenDeliveries();
    expect(pending).toMatchObject({ status: 'sending', attempts: 1, transition: 'trigger' });
    const second = await responderOn(reopened.store, [testPagerDutyReceiver('pd', pd.url)]);
    cleanups.push(() => second.bus.close());
    cleanups.push(() => second.responder.close());
    await eventually(async () => (await reopened.store.getDelivery(pending!.key))?.status === 'delivered', 10_000);
    await second.responder.idle();
    // The trigger went over the wire twice with one dedup_key and one idempotency key: PagerDuty
    // (and any receiver honouring the key) shows one incident, one page.
    const triggers = pd.events.filter((e) => e.event_action === 'trigger');
    expect(triggers).toHaveLength(2);
    expect(new Set(triggers.map((e) => e.dedup_key)).size).toBe(1);
    expect(new Set(pd.requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(pd.pages()).toBe(1);
    expect(pd.incidents.size).toBe(1);
    console.log(`[measure] restart between send and record: ${triggers.length} trigger requests, ${pd.pages()} page at the receiver, 0 lost`);
  });

  it('a receiver that hangs or keeps failing never delays a quarantine or the alert consumer', async () => {
    const hanging = new RecordingReceiver('hanging', Array(50).fill('hang'));
    const failing = new RecordingReceiver('failing', Array(50).fill({ ok: false, retryable: true, reason: 'HTTP 500' }));
    const { store, dir } = await tempStore();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    const { bus, responder } = await responderOn(store, [hanging, failing], { defaultRoute: { groupWait: 0, groupInterval: '100ms' } });
    cleanups.push(() => bus.close());
    cleanups.push(() => responder.close());
    // Occupy the receivers first.
    await bus.publish(TOPICS.alerts, 'docs', alert({ serverId: 'docs' }));
    await eventually(() => hanging.calls.length > 0 && failing.calls.length > 0);
    const latencies: number[] = [];
    for (const serverId of ['mail']) {
      const t0 = Date.now();
      await bus.publish(TOPICS.alerts, serverId, alert({ serverId, severity: 'critical' }));
      await eventually(() => store.getQuarantine(serverId), 5_000);
      latencies.push(Date.now() - t0);
    }
    expect(Math.max(...latencies)).toBeLessThan(500);
    console.log(`[measure] quarantine latency with a hanging and a failing receiver: ${latencies.join(', ')} ms`);
  });
});

describe('legacy DRIFTWATCH_PAGER_WEBHOOK', () => {
  it('posts one unsigned JSON body per incident transition, with the idempotency key, and treats 4xx as permanent', async () => {
    const bodies: Array<{ body: Record<string, unknown>; key: string | undefined }> = [];
    let status = 200;
    const server: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        bodies.push({ body: JSON.parse(raw), key: req.headers['idempotency-key'] as string | undefined });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const { store, dir } = await tempStore();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    const bus = createInProcessBus({ logger: silent });
    const responder = createResponder({
      config: DriftwatchConfig.parse({ servers: SERVERS, defaultRoute: { groupWait: '200ms' } }),
      bus,
      store,
      logger: silent,
      metrics: createMetrics({ collectDefault: false }),
      pagerWebhook: url,
      delivery: { scanMs: 50 },
    });
    await responder.start();
    cleanups.push(() => bus.close());
    cleanups.push(() => responder.close());
    for (const a of rugPull()) await bus.publish(TOPICS.alerts, a.serverId, a);
    await eventually(() => bodies.length === 1);
    expect(bodies[0]!.body).toMatchObject({ transition: 'trigger', severity: 'critical', summary: expect.any(String), incident: { serverId: 'mail', quarantined: true } });
    expect(bodies[0]!.key).toBe(bodies[0]!.body.idempotencyKey);
    status = 410;
    const deps = { store, bus, now: () => new Date() };
    const { ackIncident } = await import('../../api/src/incident-operations.js');
    await ackIncident(deps, (bodies[0]!.body.incident as { id: string }).id, 'dave');
    await eventually(async () => (await store.listDeliveries((bodies[0]!.body.incident as { id: string }).id)).some((d) => d.status === 'failed'));
    expect(bodies.map((b) => b.body.transition)).toEqual(['trigger', 'acknowledge']);
  });
});
