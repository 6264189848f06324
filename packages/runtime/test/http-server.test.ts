import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetrics, HttpError, readJsonBody, sendJson, startHttpServer, type HttpServerHandle, type RouteHandler } from '../src/index.js';

const handles: HttpServerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

function logSink(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    logger: createLogger({ name: 'http-test', level: 'debug', destination: stream }),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function start(options: { isReady?: () => boolean | Promise<boolean>; handler?: RouteHandler; headersTimeoutMs?: number; requestTimeoutMs?: number; closeGraceMs?: number } = {}) {
  const sink = logSink();
  const metrics = createMetrics({ collectDefault: false });
  const handle = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger: sink.logger,
    metrics,
    isReady: options.isReady ?? (() => true),
    ...(options.handler ? { handler: options.handler } : {}),
    ...(options.headersTimeoutMs ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.closeGraceMs ? { closeGraceMs: options.closeGraceMs } : {}),
  });
  handles.push(handle);
  return { handle, metrics, logs: sink.lines, base: `http://127.0.0.1:${handle.port}` };
}

describe('startHttpServer', () => {
  it('serves /metrics, /healthz and /readyz', async () => {
    const { base, metrics } = await start();
    metrics.pollsTotal.inc({ outcome: 'ok' });
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await m.text()).toContain('driftwatch_polls_total{outcome="ok"} 1');

    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });

    const r = await fetch(`${base}/readyz?verbose=1`);
    expect(r.status).toBe(200);
  });

  it('readiness follows isReady, and a throwing check means not ready', async () => {
    let ready: boolean | 'throw' = false;
    const { base } = await start({
      isReady: async () => {
        if (ready === 'throw') throw new Error('redis down');
        return ready;
      },
    });
    let r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'not_ready' });
    ready = true;
    r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    ready = 'throw';
    r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    // Liveness does not depend on readiness.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('rejects other methods on the built-in routes', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('delegates to the handler, then 404s as JSON', async () => {
    const { base } = await start({
      handler: (req, res) => {
        if (req.url === '/v1/servers') {
          sendJson(res, 200, { servers: [] });
          return true;
        }
        return false;
      },
    });
    const ok = await fetch(`${base}/v1/servers`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ servers: [] });
    const missing = await fetch(`${base}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /v1/nope' } });
  });

  it('404s without a handler', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/`)).status).toBe(404);
  });

  it('a throwing handler gives 500 JSON without the stack, and logs it', async () => {
    const { base, logs } = await start({
      handler: async () => {
        throw new Error('db exploded at /secret/path');
      },
    });
    const res = await fetch(`${base}/v1/boom`);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(body).not.toContain('exploded');
    const line = logs().find((l) => l['msg'] === 'request handler threw');
    expect(line).toMatchObject({ level: 'error', path: '/v1/boom' });
    expect(JSON.stringify(line)).toContain('db exploded');
  });

  it('an HttpError thrown by the handler keeps its status and code', async () => {
    const { base } = await start({
      handler: () => {
        throw new HttpError(409, 'conflict', 'server is not quarantined');
      },
    });
    const res = await fetch(`${base}/v1/servers/a/release`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'conflict', message: 'server is not quarantined' } });
  });

  it('drops a client that never finishes its headers (slowloris)', async () => {
    const { handle } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 500 });
    const t0 = Date.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(handle.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('close() stops the server even with an idle keep-alive connection open', async () => {
    const { handle, base } = await start();
    // fetch keeps the connection alive in its pool.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const t0 = Date.now();
    await handle.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('startHttpServer close()', () => {
  it('lets an in-flight request finish within the grace', async () => {
    let finish!: () => void;
    const { handle, base } = await start({
      closeGraceMs: 2_000,
      handler: async (_req, res) => {
        await new Promise<void>((r) => (finish = r));
        sendJson(res, 200, { done: true });
        return true;
      },
    });
    const pending = fetch(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const closed = handle.close();
    setTimeout(() => finish(), 100);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closed;
    // The answered connection is closed right away, not when the 2 s grace runs out.
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('cuts a request that outlives the grace', async () => {
    const { handle, base } = await start({ closeGraceMs: 200, handler: () => new Promise<boolean>(() => undefined) });
    const pending = fetch(`${base}/hang`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await handle.close();
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(await pending).toBe('cut');
  });
});

describe('readJsonBody', () => {
  async function echoServer(maxBytes: number) {
    return start({
      handler: async (req, res) => {
        const body = await readJsonBody(req, { maxBytes });
        sendJson(res, 200, { got: body });
        return true;
      },
    });
  }

  it('parses a JSON body', async () => {
    const { base } = await echoServer(1024);
    const res = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":[1,2]}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { a: [1, 2] } });
  });

  it('413 when the declared or streamed body is too large', async () => {
    const { base } = await echoServer(1024);
    const big = JSON.stringify({ pad: 'x'.repeat(4096) });
    const declared = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: 'payload_too_large' } });

    // Chunked: no content-length, so the limit has to be enforced while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(big.slice(0, 2048));
      req.write(big.slice(2048));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('400 on malformed, empty or too deeply nested JSON, without quoting it', async () => {
    const { base } = await echoServer(64 * 1024);
    const post = (body: string) => fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post('{"token":"abc123",');
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'bad_request', message: 'request body is not valid JSON' } });
    expect(text).not.toContain('abc123');
    expect((await post('')).status).toBe(400);
    expect((await post('['.repeat(100) + ']'.repeat(100))).status).toBe(400);
  });

  it('415 on a non-JSON content type', async () => {
    const { base } = await echoServer(1024);
    const res = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });
});
