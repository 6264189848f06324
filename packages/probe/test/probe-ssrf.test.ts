/**
 * The SSRF guard, end to end through probeServer. Every listener here is on 127.0.0.1 and every
 * packet goes there: names "resolve" through an injected lookup, and where a lookup answers a
 * refused address it also answers 127.0.0.1 first, so a guard that checked only the first answer
 * would connect to our own listener (and the test would see it), never to the refused address.
 */
import { join } from 'node:path';
import { ServerConfig, type HttpServerConfig } from '@driftwatch/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixtureEntry } from '../../../test/fixtures/servers/launch.js';
import { startLegacySseServer } from '../../../test/fixtures/servers/legacy-sse.js';
import { startMutableHttpServer } from '../../../test/fixtures/servers/mutable-http.js';
import type { FixtureState } from '../../../test/fixtures/servers/state.js';
import { probeServer, type ProbeOptions } from '../src/index.js';
import type { ResolvedAddress } from '../src/address-guard.js';
import { expectFailure, expectOk, removeTempDirs, tempDir, writeJson } from './helpers.js';
import { selfSignedCert, startRecordingHttp, startRecordingHttps, startRecordingProxy, type Recording } from './http-servers.js';

const BUDGET = 5000;
const STATE: FixtureState = {
  serverInfo: { name: 'weather', version: '3.1.0' },
  tools: [{ name: 'forecast', description: 'Gets the forecast.', inputSchema: { type: 'object' } }],
};

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
afterAll(removeTempDirs);
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const r = await p;
  running.push(r);
  return r;
}

function httpServer(url: string, extra: Record<string, unknown> = {}): HttpServerConfig {
  return ServerConfig.parse({ id: 'ssrf-fixture', transport: 'http', url, ...extra }) as HttpServerConfig;
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

/** A listener that would answer anything; the point is that nothing reaches it. */
function bystander(): Promise<Recording> {
  return track(startRecordingHttp((_req, res) => res.writeHead(500).end()));
}

describe('SSRF guard: refused before any connection is opened', () => {
  it('a name that resolves to a metadata or unspecified address among good ones, even with allowPrivateNetwork', async () => {
    for (const bad of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '0.0.0.0', '100.100.100.200']) {
      const srv = await bystander();
      const lookup = scriptedLookup(['127.0.0.1', bad]);
      const r = expectFailure(
        await probeServer(httpServer(`http://mcp.ssrf.test:${srv.port}/mcp`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
      );
      expect(r.code, bad).toBe('blocked_address');
      expect(r.reason).toContain(`refused to connect to mcp.ssrf.test: it resolves to ${bad}`);
      expect(srv.connections, bad).toBe(0);
      expect(lookup.calls).toEqual(['mcp.ssrf.test']);
    }
  });

  it('loopback without allowPrivateNetwork, however it is spelled', async () => {
    const srv = await bystander();
    const lookup = scriptedLookup(['127.0.0.1']);
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1', 'localhost', 'loop.ssrf.test']) {
      const r = expectFailure(await probeServer(httpServer(`http://${host}:${srv.port}/mcp`), { timeoutMs: BUDGET, lookup }));
      expect(r.code, host).toBe('blocked_address');
      expect(r.reason, host).toContain('allowed only with allowPrivateNetwork: true');
    }
    expect(srv.connections).toBe(0);
    // Only the one name that needs DNS was looked up; literals and localhost never are.
    expect(lookup.calls).toEqual(['loop.ssrf.test']);
  });

  it('metadata host names, without asking the resolver', async () => {
    const srv = await bystander();
    const lookup = scriptedLookup(['127.0.0.1']);
    const r = expectFailure(
      await probeServer(httpServer(`http://metadata.google.internal:${srv.port}/computeMetadata/v1/`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
    );
    expect(r.code).toBe('blocked_address');
    expect(r.reason).toContain('cloud metadata host name');
    expect(lookup.calls).toEqual([]);
    expect(srv.connections).toBe(0);
  });

  const tls = selfSignedCert();
  it.skipIf(!tls)('https: neither the certificate handshake nor the MCP connection is opened', async () => {
    const srv = await track(startRecordingHttps(tls!, (_req, res) => res.writeHead(500).end()));
    const lookup = scriptedLookup(['127.0.0.1', '169.254.169.254']);
    const r = expectFailure(
      await probeServer(httpServer(`https://tls.ssrf.test:${srv.port}/mcp`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
    );
    expect(r.code).toBe('blocked_address');
    expect(r.transport?.tlsCertFingerprint).toBeUndefined();
    expect(srv.connections).toBe(0);
    expect(lookup.calls).toEqual(['tls.ssrf.test']);
  });

  it('a model endpoint: the probe fails and the endpoint sees nothing', async () => {
    const models = await bystander();
    const mcp = await track(startMutableHttpServer({ getState: () => STATE }));
    const lookup = scriptedLookup(['127.0.0.1', '169.254.169.254']);
    const r = expectFailure(
      await probeServer(httpServer(mcp.url, { allowPrivateNetwork: true, models: { openai: `http://models.ssrf.test:${models.port}` } }), { timeoutMs: BUDGET, lookup }),
    );
    expect(r.code).toBe('blocked_address');
    expect(r.reason).toContain('models.ssrf.test: it resolves to 169.254.169.254');
    expect(models.connections).toBe(0);
  });

  it("a stdio server's model endpoint on loopback without allowPrivateNetwork", async () => {
    const models = await bystander();
    const stateFile = join(tempDir(), 'state.json');
    writeJson(stateFile, STATE);
    const server = ServerConfig.parse({ ...fixtureEntry('mutable', { FIXTURE_STATE: stateFile }), models: { ollama: `http://127.0.0.1:${models.port}` } });
    const r = expectFailure(await probeServer(server, { timeoutMs: 10_000 }));
    expect(r.code).toBe('blocked_address');
    expect(models.connections).toBe(0);
  });
});

describe('SSRF guard: DNS rebinding', () => {
  // First answer 127.0.0.1, every later one a metadata address: a second resolution would be refused
  // (and seen as a failed probe), never connected to.
  const rebinding = (): ReturnType<typeof scriptedLookup> => scriptedLookup(['127.0.0.1'], ['169.254.169.254']);

  it('Streamable HTTP: one resolution per probe, every request to the checked address, Host unchanged', async () => {
    const fixture = await track(startMutableHttpServer({ getState: () => STATE }));
    const proxy = await track(startRecordingProxy(fixture.url));
    const lookup = rebinding();
    const r = expectOk(
      await probeServer(httpServer(`http://rebind.ssrf.test:${proxy.port}/mcp`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
    );
    expect(r.observation.tools.map((t) => t.name)).toEqual(['forecast']);
    expect(lookup.calls).toEqual(['rebind.ssrf.test']);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(3); // initialize, initialized, tools/list
    expect(new Set(proxy.requests.map((q) => q.host))).toEqual(new Set([`rebind.ssrf.test:${proxy.port}`]));
  });

  it('HTTP+SSE fallback: the stream and the posts share the one resolution', async () => {
    const fixture = await track(startLegacySseServer({ getState: () => STATE }));
    const proxy = await track(startRecordingProxy(fixture.url));
    const lookup = rebinding();
    const r = expectOk(
      await probeServer(httpServer(`http://rebind.ssrf.test:${proxy.port}/sse`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
    );
    expect(r.observation.transport.kind).toBe('sse');
    expect(lookup.calls).toEqual(['rebind.ssrf.test']);
    expect(proxy.requests.some((q) => q.method === 'GET')).toBe(true);
    expect(new Set(proxy.requests.map((q) => q.host))).toEqual(new Set([`rebind.ssrf.test:${proxy.port}`]));
  });

  const tls = selfSignedCert();
  it.skipIf(!tls)('https: the certificate handshake and the MCP connection share the resolution; SNI is the name', async () => {
    const srv = await track(startRecordingHttps(tls!, (_req, res) => res.writeHead(500).end()));
    const lookup = rebinding();
    const r = expectFailure(
      await probeServer(httpServer(`https://sni.ssrf.test:${srv.port}/mcp`, { allowPrivateNetwork: true }), { timeoutMs: BUDGET, lookup }),
    );
    // The certificate is for localhost: the real connection refuses it, the fingerprint handshake does not.
    expect(r.code).toBe('tls_error');
    expect(r.transport?.tlsCertFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(lookup.calls).toEqual(['sni.ssrf.test']);
    expect(srv.serverNames.length).toBeGreaterThanOrEqual(1);
    expect(new Set(srv.serverNames)).toEqual(new Set(['sni.ssrf.test']));
  });
});

describe('SSRF guard: redirects are never followed', () => {
  it('a same-origin 302 fails the probe as redirect after one request', async () => {
    const srv = await track(startRecordingHttp((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end()));
    const r = expectFailure(await probeServer(httpServer(srv.url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET }));
    expect(r.code).toBe('redirect');
    expect(r.reason).toBe(`server answered HTTP 302, a redirect to http://127.0.0.1:${srv.port}; redirects are never followed`);
    expect(srv.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['POST /mcp']);
  });

  it('a 307 to another origin: the reason names the origin only, and the target sees nothing', async () => {
    const target = await bystander();
    const srv = await track(
      startRecordingHttp((_req, res) => res.writeHead(307, { location: `http://alice:s3cret-pw@127.0.0.1:${target.port}/steal/path?token=s3cret-token` }).end()),
    );
    const r = expectFailure(await probeServer(httpServer(srv.url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET }));
    expect(r.code).toBe('redirect');
    expect(r.reason).toContain('HTTP 307');
    expect(r.reason).toContain(`to http://127.0.0.1:${target.port};`);
    expect(r.reason).not.toMatch(/s3cret|alice|steal|token/);
    expect(target.connections).toBe(0);
    expect(srv.requests).toHaveLength(1);
  });

  it('a redirect on the HTTP+SSE fallback stream', async () => {
    const target = await bystander();
    const srv = await track(
      startRecordingHttp((req, res) => {
        if (req.method === 'POST') return void res.writeHead(405).end();
        res.writeHead(301, { location: `http://127.0.0.1:${target.port}/sse` }).end();
      }, '/sse'),
    );
    const r = expectFailure(await probeServer(httpServer(srv.url, { allowPrivateNetwork: true }), { timeoutMs: BUDGET }));
    expect(r.code).toBe('redirect');
    expect(r.reason).toContain('HTTP 301');
    expect(target.connections).toBe(0);
    expect(srv.requests.map((q) => q.method)).toEqual(['POST', 'GET']);
  });

  it('a redirect from a model endpoint fails the probe too', async () => {
    const target = await bystander();
    const models = await track(startRecordingHttp((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/v1/models` }).end(), ''));
    const mcp = await track(startMutableHttpServer({ getState: () => STATE }));
    const r = expectFailure(await probeServer(httpServer(mcp.url, { allowPrivateNetwork: true, models: { openai: models.url } }), { timeoutMs: BUDGET }));
    expect(r.code).toBe('redirect');
    expect(r.reason).toMatch(/^OpenAI-compatible \/v1\/models: server answered HTTP 302/);
    expect(target.connections).toBe(0);
    expect(models.requests.map((q) => q.url)).toEqual(['/v1/models']);
  });
});
