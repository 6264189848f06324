import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startApp, type App } from '@driftwatch/cli';
import { BENIGN_TOOLS, config, fixtureServer, quietLogger, removeTempDirs, tempDir, writeState } from './helpers.js';

/**
 * The control plane as an attacker on the same host and as an operator see it, on the embedded
 * default with its real authenticator: the bootstrap admin key, keys issued and revoked through
 * the API, scopes, the Host allowlist, the per-principal rate limit and an audit trail that a
 * flood cannot evict.
 */

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});
afterAll(() => removeTempDirs());

async function start(extra: Record<string, unknown> = {}) {
  const dir = tempDir('control-plane');
  const state = join(dir, 'state.json');
  writeState(state, { tools: BENIGN_TOOLS });
  const dataDir = join(dir, 'data');
  const app = await startApp({
    roles: ['poller', 'differ', 'responder', 'api'],
    config: config([fixtureServer('mail', state, { interval: 60 })], extra),
    logger: quietLogger(),
    dataDir,
    port: 0,
    host: '127.0.0.1',
    instanceId: 'cp-test',
  });
  apps.push(app);
  const adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  return { app, adminKey, base: `http://127.0.0.1:${app.port}` };
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

/** fetch refuses to set Host; node:http does not. */
function withHost(port: number, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/servers', headers: { host } }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control plane authentication (embedded, real key store)', () => {
  it('refuses unauthenticated mutations, lets loopback read anonymously, and enforces scopes, expiry and revocation at once', async () => {
    const { app, adminKey, base } = await start();
    expect(adminKey).toMatch(/^dw_k_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);

    // The quick start keeps working: anonymous reads on loopback.
    expect((await call(base, 'GET', '/v1/servers')).status).toBe(200);

    // What the issue reproduced: release and approve with no credential.
    for (const path of ['/v1/servers/mail/release', '/v1/servers/mail/approve']) {
      const r = await call(base, 'POST', path, undefined, { reason: 'x' });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // A made-up token is as good as none.
    expect((await call(base, 'POST', '/v1/servers/mail/release', 'dw_k_aaaaaaaaaaaaaaaa_' + 'A'.repeat(43), { reason: 'x' })).status).toBe(401);

    // DNS rebinding needs a foreign Host to be served.
    const rebound = await withHost(app.port, 'attacker.example');
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.code).toBe('host_not_allowed');
    expect((await withHost(app.port, `localhost:${app.port}`)).status).toBe(200);

    // Keys: created by the admin, shown once, never listed with a secret.
    const created = await call(base, 'POST', '/v1/keys', adminKey, { name: 'oncall', scope: 'operate', expires: '1d' });
    expect(created.status).toBe(201);
    const operate = created.body.token as string;
    const operateId = created.body.key.id as string;
    const reader = (await call(base, 'POST', '/v1/keys', adminKey, { name: 'dashboard', scope: 'read', expires: '1d' })).body.token as string;
    const listed = await call(base, 'GET', '/v1/keys', adminKey);
    expect(JSON.stringify(listed.body)).not.toContain(operate.slice(-43));
    expect(listed.body.keys.map((k: { name: string }) => k.name).sort()).toEqual(['bootstrap-admin', 'dashboard', 'oncall']);

    // Scopes: read cannot mutate; operate cannot manage keys; operate passes the guard.
    const asReader = await call(base, 'POST', '/v1/servers/mail/release', reader, { reason: 'x' });
    expect(asReader.status).toBe(403);
    expect(asReader.body.error.code).toBe('insufficient_scope');
    expect((await call(base, 'GET', '/v1/keys', operate)).status).toBe(403);
    const asOperator = await call(base, 'POST', '/v1/servers/mail/release', operate, { reason: 'not quarantined' });
    expect(asOperator.status).toBe(409);
    expect(asOperator.body.error.code).toBe('not_quarantined');

    // Revocation applies to the very next request (the verification cache does not outlive it).
    const revoked = await call(base, 'DELETE', `/v1/keys/${operateId}`, adminKey);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect((await call(base, 'POST', '/v1/servers/mail/release', operate, { reason: 'x' })).status).toBe(401);

    // The audit trail names the authenticated principal, never a header the caller chose.
    const actions = await call(base, 'GET', '/v1/actions?limit=10', reader);
    const kinds = actions.body.actions.map((a: { action: string; actor: string }) => `${a.action} ${a.actor}`);
    expect(kinds).toContain(`key.revoke key:bootstrap-admin (${listed.body.keys.find((k: { name: string }) => k.name === 'bootstrap-admin').id})`);
  });

  it('throttles a flood of 10,000 mutations by one principal with 429 and Retry-After, and the flood evicts nothing from the audit trail', async () => {
    const { base, adminKey } = await start();
    const operator = (await call(base, 'POST', '/v1/keys', adminKey, { name: 'flooder', scope: 'operate', expires: '1d' })).body.token as string;
    const before = (await call(base, 'GET', '/v1/actions?limit=1000', adminKey)).body.actions as Array<{ id: string }>;
    expect(before.length).toBeGreaterThanOrEqual(2); // the bootstrap key and this one

    const counts = new Map<number, number>();
    let retryAfter: string | null = null;
    let next = 0;
    const worker = async () => {
      while (next < 10_000) {
        next++;
        const res = await fetch(`${base}/v1/servers/mail/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: '{"reason":"flood"}',
        });
        await res.arrayBuffer();
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    const throttled = counts.get(429) ?? 0;
    // 60 mutations a minute by default: everything past them in this window is refused.
    expect(throttled).toBeGreaterThanOrEqual(10_000 - 60);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    // Every action recorded before the flood is still there, reachable page by page.
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { actions: Array<{ id: string }>; nextCursor: string | null } } = await call(
        base,
        'GET',
        `/v1/actions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        adminKey,
      );
      for (const a of page.body.actions) seen.add(a.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const a of before) expect(seen.has(a.id)).toBe(true);
  });
});
