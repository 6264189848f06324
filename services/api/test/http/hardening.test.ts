import { afterEach, describe, expect, it } from 'vitest';
import { bearer, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

const op = bearer(TOKENS.operate);

describe('hardening', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('limits mutations per principal with 429 and Retry-After, and leaves reads alone', async () => {
    h = await startHarness({ settings: { mutationsPerMinute: 3 } });
    const release = (headers: Record<string, string>) => h.call('POST', '/v1/servers/mail/release', { headers, body: '{"reason":"x"}' });
    for (let i = 0; i < 3; i++) expect((await release(op)).status).toBe(409);
    const limited = await release(op);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another principal has its own budget; reads are never limited.
    expect((await release(bearer(TOKENS.admin))).status).toBe(409);
    for (let i = 0; i < 10; i++) expect((await h.call('GET', '/v1/servers', { headers: op })).status).toBe(200);
  });

  it('throttles a flood by one principal at the default of 60 a minute', async () => {
    h = await startHarness();
    await h.ports.store.quarantine('mail', { reason: 'rug pull', actor: 'policy', at: '2026-11-24T10:00:00.000Z' });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      statuses.push((await h.call('POST', '/v1/servers/mail/approve', { headers: op, body: '{"reason":"flood"}' })).status);
    }
    expect(statuses.filter((s) => s !== 429)).toHaveLength(60);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
  });

  it('refuses a limit that is not a positive integer at start', async () => {
    await expect(startHarness({ settings: { mutationsPerMinute: 0 } })).rejects.toThrow(/mutationsPerMinute/);
    h = await startHarness();
  });

  it('requires application/json on a mutation with a body (415)', async () => {
    h = await startHarness();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await fetch(h.url('/v1/servers/mail/release'), { method: 'POST', headers: { ...op, 'content-type': type }, body: 'reason=x' });
      expect(r.status, type).toBe(415);
      expect(((await r.json()) as any).error).toEqual({ code: 'unsupported_media_type', message: 'request body must be application/json' });
    }
    const none = await fetch(h.url('/v1/servers/mail/release'), { method: 'POST', headers: op, body: new Blob(['{"reason":"x"}']) });
    expect(none.status).toBe(415);
    const vendor = await fetch(h.url('/v1/servers/mail/release'), { method: 'POST', headers: { ...op, 'content-type': 'application/merge-patch+json' }, body: '{"reason":"x"}' });
    expect(vendor.status).toBe(409);
  });

  it('bounds bodies in size and nesting and refuses prototype keys', async () => {
    h = await startHarness();
    const big = await h.call('POST', '/v1/servers/mail/release', { headers: op, body: JSON.stringify({ reason: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const deep = await h.call('POST', '/v1/servers/mail/release', { headers: op, body: `${'{"a":'.repeat(40)}1${'}'.repeat(40)}` });
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toContain('nested deeper');
    const proto = await h.call('POST', '/v1/servers/mail/release', { headers: op, body: '{"reason":"x","__proto__":{"admin":true}}' });
    expect(proto.status).toBe(400);
    const empty = await h.call('POST', '/v1/servers/mail/release', { headers: op, body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('request body is empty');
  });

  it('names the field in 400s for body, query and path', async () => {
    h = await startHarness();
    const body = await h.call('POST', '/v1/servers/mail/release', { headers: op, body: '{"reason":""}' });
    expect(body.body.error).toEqual({ code: 'bad_request', message: 'invalid body: reason: reason is required' });
    const query = await h.call('GET', '/v1/actions?limit=abc&extra=1', { headers: op });
    expect(query.status).toBe(400);
    expect(query.body.error.message).toMatch(/^invalid query: limit: .*; query: Unrecognized key: "extra"$/);
    const path = await h.call('GET', `/v1/servers/${'x'.repeat(257)}`, { headers: op });
    expect(path.status).toBe(414);
    expect(path.body.error.code).toBe('uri_too_long');
    const encoding = await h.call('GET', '/v1/servers/%E0%A4%A', { headers: op });
    expect(encoding.status).toBe(400);
    expect(encoding.body.error).toEqual({ code: 'bad_request', message: 'malformed percent-encoding in the path' });
  });

  it('keeps answers uncacheable and JSON', async () => {
    h = await startHarness();
    const r = await h.call('GET', '/v1/servers', { headers: op });
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});
