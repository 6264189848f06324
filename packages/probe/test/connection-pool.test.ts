/**
 * Keep-alive connections shared by a thread's probes (connection-pool.ts). Every listener is on
 * 127.0.0.1 and every packet goes there: names "resolve" through an injected lookup, and a refused
 * address is only ever handed to a connector that records calls and opens nothing.
 */
import { ServerConfig, type HttpServerConfig } from '@driftwatch/core';
import type { buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startMutableHttpServer } from '../../../test/fixtures/servers/mutable-http.js';
import type { FixtureState } from '../../../test/fixtures/servers/state.js';
import type { ResolvedAddress } from '../src/address-guard.js';
import { boundedFetch } from '../src/bounded-fetch.js';
import { createConnectionPool, type ConnectionPool } from '../src/connection-pool.js';
import { ProbeError } from '../src/failure.js';
import { probeServer, type ProbeOptions } from '../src/index.js';
import { expectFailure, expectOk } from './helpers.js';
import { startRecordingHttp, startRecordingProxy, type Recording } from './http-servers.js';

const BUDGET = 5000;
const STATE: FixtureState = {
  serverInfo: { name: 'weather', version: '3.1.0' },
  tools: [{ name: 'forecast', description: 'Gets the forecast.', inputSchema: { type: 'object' } }],
};
const LOOPBACK: ResolvedAddress[] = [{ address: '127.0.0.1', family: 4 }];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
function pool(options: Parameters<typeof createConnectionPool>[0] = {}): ConnectionPool {
  const p = createConnectionPool(options);
  cleanups.push(() => p.close());
  return p;
}
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const r = await p;
  cleanups.push(() => r.close());
  return r;
}
function httpServer(url: string, extra: Record<string, unknown> = {}): HttpServerConfig {
  return ServerConfig.parse({ id: 'pool-fixture', transport: 'http', url, ...extra }) as HttpServerConfig;
}
/** A lookup that answers `answers[i]` on its i-th call (the last one repeats) and counts calls. */
function scriptedLookup(...answers: string[][]): NonNullable<ProbeOptions['lookup']> & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string): Promise<ResolvedAddress[]> => {
    const answer = answers[Math.min(calls.length, answers.length - 1)] ?? [];
    calls.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}
/** A fixture behind a proxy that counts the TCP connections the probe opens. */
async function countedFixture(): Promise<Recording> {
  const fixture = await track(startMutableHttpServer({ getState: () => STATE }));
  return track(startRecordingProxy(fixture.url));
}

describe('connection pool: connections are reused', () => {
  it('N polls of one server open far fewer than N connections', async () => {
    const proxy = await countedFixture();
    const shared = pool();
    const server = httpServer(proxy.url, { allowPrivateNetwork: true });
    for (let i = 0; i < 12; i++) expectOk(await probeServer(server, { timeoutMs: BUDGET, pool: shared }));
    // Each poll sends initialize, initialized, tools/list and the optional GET: 48 requests.
    expect(proxy.requests.length).toBeGreaterThanOrEqual(36);
    expect(proxy.connections).toBeLessThanOrEqual(3);
    expect(shared.size).toBe(1);
  });

  it('polls at once share the pool without mixing answers', async () => {
    const proxy = await countedFixture();
    const shared = pool();
    const server = httpServer(proxy.url, { allowPrivateNetwork: true });
    const results = await Promise.all(Array.from({ length: 8 }, () => probeServer(server, { timeoutMs: BUDGET, pool: shared })));
    for (const r of results) expect(expectOk(r).observation.tools.map((t) => t.name)).toEqual(['forecast']);
    const opened = proxy.connections;
    for (let i = 0; i < 8; i++) expectOk(await probeServer(server, { timeoutMs: BUDGET, pool: shared }));
    expect(proxy.connections).toBe(opened);
  });
});

describe('connection pool: the SSRF guard still decides every probe', () => {
  it('a pooled connection to 127.0.0.1 is not lent to a probe whose policy refuses loopback', async () => {
    const proxy = await countedFixture();
    const shared = pool();
    expectOk(await probeServer(httpServer(proxy.url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, pool: shared }));
    const opened = proxy.connections;
    const requests = proxy.requests.length;
    const r = expectFailure(await probeServer(httpServer(proxy.url, { allowPrivateNetwork: false }), { timeoutMs: BUDGET, pool: shared }));
    expect(r.code).toBe('blocked_address');
    expect(r.reason).toContain('allowed only with allowPrivateNetwork: true');
    expect(proxy.connections).toBe(opened);
    expect(proxy.requests.length).toBe(requests);
    expect(shared.size).toBe(1);
  });

  it('a name that now resolves to a metadata address is refused, though a pooled connection to its old address exists', async () => {
    const proxy = await countedFixture();
    const shared = pool();
    const url = `http://pooled.ssrf.test:${proxy.port}/mcp`;
    const before = scriptedLookup(['127.0.0.1']);
    expectOk(await probeServer(httpServer(url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, pool: shared, lookup: before }));
    const opened = proxy.connections;
    const requests = proxy.requests.length;
    // The next probe resolves again (once per probe) and is refused before any dispatcher is chosen.
    const after = scriptedLookup(['127.0.0.1', '169.254.169.254']);
    const r = expectFailure(await probeServer(httpServer(url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, pool: shared, lookup: after }));
    expect(r.code).toBe('blocked_address');
    expect(r.reason).toContain('pooled.ssrf.test: it resolves to 169.254.169.254');
    expect(after.calls).toEqual(['pooled.ssrf.test']);
    expect(proxy.connections).toBe(opened);
    expect(proxy.requests.length).toBe(requests);
  });

  it('a probe only gets connections to the addresses its own guard checked', async () => {
    const shared = pool();
    const a = shared.dispatcherFor('http://mcp.example:8080', LOOPBACK, true);
    expect(shared.dispatcherFor('http://mcp.example:8080', LOOPBACK, true)).toBe(a);
    expect(shared.dispatcherFor('http://mcp.example:8080', [{ address: '127.0.0.2', family: 4 }], true)).not.toBe(a);
    expect(shared.dispatcherFor('http://mcp.example:8080', LOOPBACK, false)).not.toBe(a);
    expect(shared.dispatcherFor('http://mcp.example:9090', LOOPBACK, true)).not.toBe(a);
  });

  it('judges every new connection again: a refused address never reaches the connector', async () => {
    const calls: buildConnector.Options[] = [];
    const spy = (): buildConnector.connector => (options, callback) => {
      calls.push(options);
      callback(Object.assign(new Error('spy: no sockets in this test'), { code: 'ECONNREFUSED' }), null);
    };
    const shared = pool({ connector: spy });
    const cases: Array<[string, ResolvedAddress[], boolean]> = [
      ['http://imds.example', [{ address: '169.254.169.254', family: 4 }], true],
      ['http://mixed.example', [{ address: '127.0.0.1', family: 4 }, { address: 'fd00:ec2::254', family: 6 }], true],
      ['http://loop.example', LOOPBACK, false],
      ['http://metadata.google.internal', LOOPBACK, true],
      ['http://nothing.example', [], true],
    ];
    for (const [origin, addresses, allow] of cases) {
      const err = await shared
        .dispatcherFor(origin, addresses, allow)
        .request({ origin, path: '/mcp', method: 'GET' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, origin).toBeInstanceOf(ProbeError);
      expect((err as ProbeError).code, origin).toBe('blocked_address');
    }
    expect(calls).toEqual([]);
    // An allowed address does reach it.
    await shared.dispatcherFor('http://ok.example', LOOPBACK, true).request({ origin: 'http://ok.example', path: '/', method: 'GET' }).catch(() => undefined);
    expect(calls.map((c) => c.hostname)).toEqual(['ok.example']);
  });
});

describe('connection pool: bounds', () => {
  it('keeps at most maxOrigins, closing the least recently used', () => {
    const shared = pool({ maxOrigins: 2 });
    const a = shared.dispatcherFor('http://a.example', LOOPBACK, true);
    shared.dispatcherFor('http://b.example', LOOPBACK, true);
    expect(shared.dispatcherFor('http://a.example', LOOPBACK, true)).toBe(a);
    shared.dispatcherFor('http://c.example', LOOPBACK, true);
    expect(shared.size).toBe(2);
    // b was the least recently used: gone. a stayed.
    expect(shared.dispatcherFor('http://a.example', LOOPBACK, true)).toBe(a);
  });

  it('checks its options up front and refuses work once closed', async () => {
    expect(() => createConnectionPool({ maxOrigins: 0 })).toThrow(/maxOrigins must be an integer ≥ 1/);
    expect(() => createConnectionPool({ keepAliveMs: 10_000, maxKeepAliveMs: 1_000 })).toThrow(/keepAliveMs ≤ maxKeepAliveMs/);
    const shared = createConnectionPool();
    shared.dispatcherFor('http://a.example', LOOPBACK, true);
    const closing = shared.close();
    expect(shared.close()).toBe(closing);
    await closing;
    expect(shared.size).toBe(0);
    expect(() => shared.dispatcherFor('http://a.example', LOOPBACK, true)).toThrow(/closed/);
  });

  it('closes idle connections after the keep-alive time', async () => {
    const srv = await track(startRecordingHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    // The server's own Keep-Alive hint (5 s) is capped by maxKeepAliveMs.
    const shared = pool({ keepAliveMs: 100, maxKeepAliveMs: 100 });
    const fetch = boundedFetch({ signal: new AbortController().signal, maxBytes: 1024, dispatcherFor: async (u, fresh) => shared.dispatcherFor(u.origin, LOOPBACK, true, fresh) });
    for (let i = 0; i < 4; i++) await (await fetch(srv.url, { method: 'GET' })).text();
    // undici may open a second connection for a request sent the moment the previous answer ends.
    const kept = srv.connections;
    expect(kept).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1_500));
    await (await fetch(srv.url, { method: 'GET' })).text();
    expect(srv.connections).toBe(kept + 1);
  });
});

describe('connection pool: a probe ends what it started', () => {
  it('a request still running when its probe ends is aborted and its socket never reused', async () => {
    const sockets: Array<{ closed: boolean }> = [];
    const srv = await track(
      startRecordingHttp((req, res) => {
        const s = { closed: false };
        sockets.push(s);
        req.socket.once('close', () => (s.closed = true));
        if (req.url === '/hang') return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, '/'),
    );
    const shared = pool();
    const origin = new URL(srv.url).origin;
    const probeSignal = new AbortController();
    const fetch = boundedFetch({ signal: probeSignal.signal, maxBytes: 1024, dispatcherFor: async (u, fresh) => shared.dispatcherFor(u.origin, LOOPBACK, true, fresh) });
    await (await fetch(`${origin}/ok`, { method: 'GET' })).text();
    const hanging = fetch(`${origin}/hang`, { method: 'GET' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    probeSignal.abort(new Error('probe finished'));
    expect(await hanging).toBeInstanceOf(Error);
    // The hanging request's socket is destroyed, not handed back to the pool.
    await new Promise((r) => setTimeout(r, 200));
    expect(sockets[1]!.closed).toBe(true);
    const next = boundedFetch({ signal: new AbortController().signal, maxBytes: 1024, dispatcherFor: async (u, fresh) => shared.dispatcherFor(u.origin, LOOPBACK, true, fresh) });
    expect((await next(`${origin}/ok`, { method: 'GET' })).status).toBe(200);
  });

  it('a request on a kept connection the server has just closed is sent once more on a new one', async () => {
    // Answers the first request of each connection, then drops the connection on its second one
    // (as a server whose idle timeout fired just as the request arrived).
    const seen = new WeakMap<object, number>();
    const srv = await track(
      startRecordingHttp((req, res) => {
        const n = (seen.get(req.socket) ?? 0) + 1;
        seen.set(req.socket, n);
        if (n > 1) return void req.socket.destroy();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":1}');
      }),
    );
    const shared = pool();
    const fetch = boundedFetch({ signal: new AbortController().signal, maxBytes: 1024, dispatcherFor: async (u, fresh) => shared.dispatcherFor(u.origin, LOOPBACK, true, fresh) });
    for (let i = 0; i < 4; i++) {
      const res = await fetch(srv.url, { method: 'POST', body: '{"jsonrpc":"2.0"}', headers: { 'content-type': 'application/json' } });
      expect(await res.json()).toEqual({ n: 1 });
    }
    // Every answer came on a connection of its own (the server answers nothing else); the
    // requests it dropped on reused connections were sent again.
    expect(srv.connections).toBe(4);
    expect(srv.requests.length).toBeGreaterThan(4);
  });

  it('a server that drops every request still fails the probe, after one more attempt', async () => {
    const srv = await track(startRecordingHttp((req) => void req.socket.destroy()));
    const r = expectFailure(await probeServer(httpServer(srv.url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, pool: pool() }));
    expect(r.code).toBe('connect_failed');
    expect(srv.requests).toHaveLength(2);
  });
});
