import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge, openIncident, type Action, type IncidentRecord, type StoredAlert } from '@driftwatch/core';
import type { StatePort } from '@driftwatch/store';
import { createStreamLimiter, eventTypesOf, serveEventStream, type StreamLimiter } from '../../src/index.js';
import { connect, type SseConnection, type SseFrame } from './sse-client.js';

export interface StorePair {
  /** Where changes are made (another replica, for Redis). */
  writer: StatePort;
  /** What the stream reads. */
  reader: StatePort;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });
let n = 0;
const time = () => new Date().toISOString();

export function alertFor(serverId: string): StoredAlert {
  const id = `al-${process.pid}-${++n}`;
  const t = time();
  return {
    alert: {
      id,
      type: 'alert',
      version: 1,
      time: t,
      serverId,
      action: 'trigger',
      dedupKey: `${serverId}|tool.description_changed|${id}`,
      kind: 'tool.description_changed',
      subject: 'send',
      severity: 'high',
      summary: 'tool send description changed',
      explanation: 'x',
      remediation: 'y',
      evidence: {},
    },
    status: 'open',
    firstSeen: t,
    lastSeen: t,
  };
}

export function actionFor(serverId: string, kind: Action['action'] = 'approve'): Action {
  return { id: `act-${process.pid}-${++n}`, type: 'action', version: 1, time: time(), serverId, action: kind, actor: 'key:ops', reason: `reason ${n}` };
}

export function incidentFor(alert: StoredAlert): IncidentRecord {
  return openIncident({
    alert: alert.alert,
    groupKey: `${alert.alert.serverId}|${alert.alert.id}`,
    receivers: [],
    timing: { groupWaitS: 30, groupIntervalS: 300, repeatIntervalS: 3600 },
    tags: [],
    flap: { for: 1, keepFiringForS: 0 },
    now: new Date(),
  });
}

const isEvent = (f: SseFrame) => f.event === 'alert' || f.event === 'action' || f.event === 'status' || f.event === 'incident';
const eventsOf = (c: SseConnection) => c.frames.filter(isEvent);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SSE behaviour over a real HTTP server on 127.0.0.1, against the store a harness provides. */
export function registerStreamScenarios(name: string, open: () => Promise<StorePair>, pollMs: number): void {
  describe(`GET /v1/events over SSE: ${name}`, () => {
    let pair: StorePair;
    let server: Server;
    let limiter: StreamLimiter;
    let shutdown: AbortController;
    let base: string;
    const streams: Array<Promise<void>> = [];
    const conns: SseConnection[] = [];
    const open$ = async (path = '/v1/events', headers: Record<string, string> = {}) => {
      const c = await connect(`${base}${path}`, headers);
      conns.push(c);
      return c;
    };

    beforeEach(async () => {
      pair = await open();
      limiter = createStreamLimiter(2);
      shutdown = new AbortController();
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const header = req.headers['last-event-id'];
        streams.push(
          serveEventStream(req, res, {
            store: pair.reader,
            lastEventId: Array.isArray(header) ? header[0] : header,
            signal: shutdown.signal,
            logger: silent,
            pollMs,
            heartbeatMs: Number(url.searchParams.get('hb') ?? 15_000),
            types: eventTypesOf(url.searchParams.get('types') ?? undefined),
            limiter,
          }),
        );
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      for (const c of conns.splice(0)) c.close();
      shutdown.abort();
      await Promise.all(streams.splice(0));
      await new Promise((r) => server.close(r));
      await pair.close();
    });

    it('delivers what the store records (alert, action, status change), in order, with increasing ids', async () => {
      const c = await open$();
      expect(c.status).toBe(200);
      expect(c.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(c.headers['cache-control']).toMatch(/no-cache/);
      const ready = await c.waitFor((f) => f.event === 'ready');
      expect(ready.id).toMatch(/^\d+$/);
      const alert = alertFor('mail');
      await pair.writer.insertAlert(alert);
      await pair.writer.appendAudit(actionFor('mail', 'quarantine'));
      await pair.writer.quarantine('mail', { reason: 'poisoned', actor: 'policy', at: time() });
      await pair.writer.putAlert({ ...alert, status: 'resolved', resolvedAt: time(), resolvedBy: 'differ' });
      await c.waitFor((f) => f.event === 'alert' && f.data!.includes('"resolved"'));
      const got = eventsOf(c).map((f) => ({ event: f.event, id: f.id, data: JSON.parse(f.data!) }));
      expect(got.map((g) => g.event)).toEqual(['alert', 'action', 'status', 'alert']);
      expect(got.map((g) => g.data.data.change ?? g.data.data.action ?? `${g.data.data.from}>${g.data.data.to}`)).toEqual(['opened', 'quarantine', 'pending>quarantined', 'resolved']);
      const ids = got.map((g) => Number(g.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      expect(ids[0]).toBeGreaterThan(Number(ready.id));
      expect(got.every((g) => g.data.id === g.id && g.data.serverId === 'mail')).toBe(true);
    });

    it('a client reconnecting with Last-Event-ID gets exactly the events it missed', async () => {
      const first = await open$();
      await first.waitFor((f) => f.event === 'ready');
      for (let i = 0; i < 3; i++) await pair.writer.appendAudit(actionFor('docs'));
      await first.waitFor((f) => isEvent(f) && eventsOf(first).length >= 3);
      const lastSeen = eventsOf(first)[2]!.id!;
      first.close();
      await first.ended;
      const missed: string[] = [];
      for (let i = 0; i < 4; i++) missed.push((await pair.writer.appendEvent({ type: 'status', serverId: 'docs', data: { from: 'ok', to: 'drifted' } })));
      const again = await open$('/v1/events', { 'last-event-id': lastSeen });
      expect(again.status).toBe(200);
      await again.waitFor(() => eventsOf(again).length >= 4);
      await sleep(pollMs * 3);
      expect(eventsOf(again).map((f) => f.id)).toEqual(missed);
      expect(again.frames.some((f) => f.event === 'ready' || f.event === 'reset')).toBe(false);
    });

    it('says reset when the Last-Event-ID cannot be resumed from, then continues from the present', async () => {
      await pair.writer.appendAudit(actionFor('docs'));
      const c = await open$('/v1/events', { 'last-event-id': '987654321987' });
      const reset = await c.waitFor((f) => f.event === 'reset');
      expect(JSON.parse(reset.data!)).toEqual({ reason: 'unknown_id', id: reset.id });
      const id = await pair.writer.appendEvent({ type: 'status', serverId: 'docs', data: { from: 'pending', to: 'ok' } });
      expect((await c.waitFor(isEvent)).id).toBe(id);
      const junk = await open$('/v1/events', { 'last-event-id': 'x'.repeat(5000) });
      expect(JSON.parse((await junk.waitFor((f) => f.event === 'reset')).data!).reason).toBe('unknown_id');
    });

    it('sends only the asked-for types, and heartbeats that carry the current position', async () => {
      const c = await open$('/v1/events?types=status&hb=100');
      await c.waitFor((f) => f.event === 'ready');
      await pair.writer.insertAlert(alertFor('mail'));
      await pair.writer.updateServerState('mail', { reachable: false });
      const status = await c.waitFor((f) => f.event === 'status');
      expect(JSON.parse(status.data!).data).toEqual({ from: 'pending', to: 'unreachable' });
      const beat = await c.waitFor((f) => f.comments.includes('heartbeat') && f.id === status.id, 3_000);
      expect(beat.event).toBeUndefined();
      expect(eventsOf(c).map((f) => f.event)).toEqual(['status']);
    });

    it('streams incidents as `incident` events: opened, then acknowledged, and only those with types=incident', async () => {
      const c = await open$('/v1/events?types=incident');
      await c.waitFor((f) => f.event === 'ready');
      const alert = alertFor('mail');
      await pair.writer.insertAlert(alert);
      const opened = (await pair.writer.putIncident(incidentFor(alert), 0))!;
      await pair.writer.putIncident({ ...opened, notify: { ...opened.notify, lastFlushAt: time() } }, 1); // bookkeeping: no event
      await pair.writer.putIncident(acknowledge({ ...opened, version: 2 }, 'key:ops', 'mine', new Date()), 2);
      await c.waitFor((f) => f.event === 'incident' && f.data!.includes('"acknowledged"'));
      await sleep(pollMs * 2);
      const got = eventsOf(c).map((f) => JSON.parse(f.data!));
      expect(got.map((e) => [e.type, e.serverId, e.data.change, e.data.status, e.data.incidentId, e.data.alertCount])).toEqual([
        ['incident', 'mail', 'opened', 'open', opened.id, 1],
        ['incident', 'mail', 'acknowledged', 'acknowledged', opened.id, 1],
      ]);
      expect(got[0].data).toEqual({ change: 'opened', incidentId: opened.id, status: 'open', severity: 'high', title: opened.title, alertCount: 1 });
    });

    it('bounds concurrent streams (503 when full) and a disconnect frees the slot', async () => {
      const a = await open$();
      const b = await open$();
      await Promise.all([a.waitFor((f) => f.event === 'ready'), b.waitFor((f) => f.event === 'ready')]);
      expect(limiter.active).toBe(2);
      const refused = await open$();
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(JSON.parse(await refused.text()).error.code).toBe('too_many_streams');
      a.close();
      await expect.poll(() => limiter.active, { timeout: 5_000 }).toBe(1);
      const c = await open$();
      expect(c.status).toBe(200);
      await c.waitFor((f) => f.event === 'ready');
    });

    it('ends every stream when the server shuts down', async () => {
      const a = await open$();
      await a.waitFor((f) => f.event === 'ready');
      shutdown.abort();
      await a.ended;
      await Promise.all(streams);
      expect(limiter.active).toBe(0);
    });
  });
}
