import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/auth/types.js';
import { bearer, fakeAuthenticator, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

/** node:http, because fetch will not send a Host header of our choosing. */
function withHost(port: number, path: string, host: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { ...headers, ...(host !== undefined ? { host } : {}) }, setHost: host !== undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function rawStatus(port: number, text: string): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.write(text);
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1]);
}

describe('guard', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('serves loopback names on any port, and the configured hosts', async () => {
    h = await startHarness({ anonymousRead: true, settings: { allowedHosts: ['driftwatch.internal', 'api.example.com:8443'] } });
    for (const host of ['localhost', 'localhost:7420', '127.0.0.1:9', '[::1]:7420', 'LOCALHOST', 'driftwatch.internal:80', 'api.example.com:8443']) {
      expect((await withHost(h.http.port, '/v1/servers', host)).status, host).toBe(200);
    }
  });

  it('refuses any other Host with 403 host_not_allowed, before authenticating (DNS rebinding)', async () => {
    const auth = fakeAuthenticator();
    h = await startHarness({ anonymousRead: true, authenticator: auth, settings: { allowedHosts: ['api.example.com:8443'] } });
    for (const host of ['attacker.example', 'attacker.example:7420', 'localhost.attacker.example', '127.0.0.1.nip.io', 'api.example.com', 'api.example.com:443']) {
      const r = await withHost(h.http.port, '/v1/servers', host, bearer(TOKENS.admin));
      expect(r.status, host).toBe(403);
      expect(r.body.error.code).toBe('host_not_allowed');
    }
    // No Host at all (HTTP/1.0), or an empty one: refused too.
    for (const head of ['GET /v1/servers HTTP/1.0\r\n', 'GET /v1/servers HTTP/1.1\r\nHost: \r\nConnection: close\r\n']) {
      expect(await rawStatus(h.http.port, `${head}Authorization: Bearer ${TOKENS.admin}\r\n\r\n`), head).toBe(403);
    }
    // Also unknown paths: the host check comes before routing decisions.
    expect((await withHost(h.http.port, '/nope', 'attacker.example')).status).toBe(403);
    expect(auth.calls).toBe(0);
  });

  it('refuses an api.allowedHosts entry that is not a host name at start', async () => {
    await expect(startHarness({ settings: { allowedHosts: ['http://api.example.com/'] } })).rejects.toThrow(/api.allowedHosts: "http:\/\/api.example.com\/"/);
    h = await startHarness();
  });

  it('answers 401 with WWW-Authenticate: Bearer, naming what was wrong', async () => {
    h = await startHarness();
    const missing = await h.call('GET', '/v1/servers');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="driftwatch"');
    expect(missing.body.error.code).toBe('missing_credential');
    const expired = await h.call('GET', '/v1/servers', { headers: bearer(TOKENS.expired) });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="driftwatch", error="invalid_token"');
    expect(expired.body.error).toEqual({ code: 'expired_credential', message: 'the key expired' });
  });

  it('answers 403 insufficient_scope naming the scope needed', async () => {
    h = await startHarness();
    const r = await h.call('POST', '/v1/servers/mail/release', { headers: bearer(TOKENS.read), body: '{"reason":"x"}' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('insufficient_scope');
    expect(r.body.error.message).toBe('this route needs scope "operate"; the credential has "read"');
    expect(r.headers.get('www-authenticate')).toContain('scope="operate"');
  });

  it('refuses unauthenticated release and approve with 401 even when anonymous read is on', async () => {
    h = await startHarness({ anonymousRead: true });
    await h.ports.store.quarantine('mail', { reason: 'rug pull', alertId: 'a1', actor: 'policy', at: '2026-11-24T10:00:00.000Z' });
    for (const action of ['release', 'approve']) {
      const r = await h.call('POST', `/v1/servers/mail/${action}`, { body: '{"reason":"x"}', headers: { 'x-driftwatch-actor': 'alice' } });
      expect(r.status, action).toBe(401);
    }
    expect((await h.call('GET', '/v1/servers/mail')).body.status).toBe('quarantined');
    expect(await h.ports.store.listAudit(10)).toEqual([]);
  });

  it('answers 503 when the authenticator itself fails, without calling it a bad credential', async () => {
    const auth = fakeAuthenticator();
    auth.fail = new Error('JWKS endpoint unreachable');
    h = await startHarness({ authenticator: auth });
    const r = await h.call('GET', '/v1/servers', { headers: bearer(TOKENS.read) });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('auth_unavailable');
    expect(JSON.stringify(r.body)).not.toContain('JWKS');
    auth.fail = new AuthError('invalid_credential', 'bad signature');
    expect((await h.call('GET', '/v1/servers', { headers: bearer(TOKENS.read) })).status).toBe(401);
  });

  it('needs no credential to learn a path does not exist or takes another method', async () => {
    h = await startHarness();
    const unknown = await h.call('GET', '/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'not_found', message: 'no route for GET /v1/nothing' });
    const wrong = await h.call('PUT', '/v1/servers/mail', { body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(wrong.body.error.code).toBe('method_not_allowed');
  });
});
