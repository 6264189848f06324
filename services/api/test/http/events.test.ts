import { afterEach, describe, expect, it } from 'vitest';
import type { EventStreamOptions, ServeEventStream } from '../../src/index.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

/** A stand-in for the real stream: a tick every `everyMs` until the signal says stop. */
function ticking(everyMs: number, seen: EventStreamOptions[], ended: string[]): ServeEventStream {
  return async (_req, res, options) => {
    seen.push(options);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    let n = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => res.write(`id: ${++n}\ndata: tick\n\n`), everyMs);
      options.signal.addEventListener('abort', () => {
        clearInterval(timer);
        ended.push(String(options.signal.reason?.name ?? 'aborted'));
        resolve();
      });
    });
  };
}

async function readFor(body: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
    if (chunk === null) break;
    if (chunk.done) return `${text}[closed]`;
    text += decoder.decode(chunk.value);
  }
  await reader.cancel();
  return text;
}

describe('GET /v1/events', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('outlives the server requestTimeout: Node applies it to receiving the request, not to the response', async () => {
    const seen: EventStreamOptions[] = [];
    const ended: string[] = [];
    h = await startHarness({ requestTimeoutMs: 1_000, operations: { serveEventStream: ticking(200, seen, ended) } });
    const r = await fetch(h.url('/v1/events'), { headers: { ...bearer(TOKENS.read), 'last-event-id': '41' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    // 2.6 s > requestTimeout (1 s) plus Node's 1 s check interval: a cut would show as [closed].
    const text = await readFor(r.body!, 2_600);
    expect(text).not.toContain('[closed]');
    expect(text.match(/data: tick/g)?.length).toBeGreaterThanOrEqual(10);
    expect(seen[0]).toMatchObject({ lastEventId: '41', principal: { id: 'k_read-bot', scope: 'read' } });
  });

  it('aborts the stream when the client goes away, and counts the request', async () => {
    const seen: EventStreamOptions[] = [];
    const ended: string[] = [];
    h = await startHarness({ operations: { serveEventStream: ticking(50, seen, ended) } });
    const r = await fetch(h.url('/v1/events'), { headers: bearer(TOKENS.read) });
    await readFor(r.body!, 200);
    await expect.poll(() => ended.length).toBe(1);
    expect(seen[0]!.signal.aborted).toBe(true);
    await expect
      .poll(async () => (await h.ports.metrics.registry.getSingleMetricAsString('driftwatch_api_requests_total')).includes('route="/v1/events",status="200"'))
      .toBe(true);
  });

  it('ends every open stream when the API closes, and answers 503 after', async () => {
    const seen: EventStreamOptions[] = [];
    const ended: string[] = [];
    h = await startHarness({ operations: { serveEventStream: ticking(50, seen, ended) } });
    const r = await fetch(h.url('/v1/events'), { headers: bearer(TOKENS.read) });
    const reading = readFor(r.body!, 5_000);
    await expect.poll(() => seen.length).toBe(1);
    await h.api.close();
    expect(await reading).toContain('[closed]');
    expect(ended).toHaveLength(1);
    const after = await h.call('GET', '/v1/servers', { headers: bearer(TOKENS.read) });
    expect(after).toMatchObject({ status: 503, body: { error: { code: 'shutting_down' } } });
  });

  it('answers 500 in the error shape when the stream fails before it starts', async () => {
    h = await startHarness({
      operations: {
        serveEventStream: async () => {
          throw new Error('bus gone');
        },
      },
    });
    const r = await h.call('GET', '/v1/events', { headers: bearer(TOKENS.read) });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('is not registered without a stream to serve', async () => {
    h = await startHarness();
    expect((await h.call('GET', '/v1/events', { headers: bearer(TOKENS.read) })).status).toBe(404);
  });
});
