import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiSettings } from '@driftwatch/core';
import { CorruptValueError, StoreUnavailableError, type StatePort } from '@driftwatch/store';
import { createApiKeyVerifier } from '../../src/auth/api-key-verifier.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createKey, listKeys, revokeKey } from '../../src/auth/key-operations.js';
import { createLimiter, type Limiter } from '../../src/auth/limiter.js';
import { AuthError, type Authenticator } from '../../src/auth/types.js';
import { createVerifyCache } from '../../src/auth/verify-cache.js';
import { embeddedPorts, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { captureLogger, DAY_MS, fakeClock } from './helpers.js';

const ADMIN = 'key:bootstrap-admin (k_aaaaaaaaaaaaaaaa)';

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => {
      throw new Error('expected the credential to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return (err as AuthError).code;
}

/** Counts store reads of key records and scrypt runs, to prove what a request did not do. */
function counting(store: StatePort, limiter: Limiter) {
  const counts = { reads: 0, scrypts: 0 };
  const countedStore = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'getApiKey') {
        return (id: string) => {
          counts.reads++;
          return target.getApiKey(id);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const countedLimiter: Limiter = {
    run(fn) {
      counts.scrypts++;
      return limiter.run(fn);
    },
    get active() {
      return limiter.active;
    },
    get waiting() {
      return limiter.waiting;
    },
  };
  return { counts, store: countedStore, limiter: countedLimiter };
}

describe('api keys: create, verify, expire, revoke', () => {
  let ports: EmbeddedPorts;
  let clock: ReturnType<typeof fakeClock>;
  let cap: ReturnType<typeof captureLogger>;
  let auth: Authenticator;
  const tokens: string[] = [];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    clock = fakeClock();
    cap = captureLogger();
    auth = createAuthenticator({ store: ports.store, settings: ApiSettings.parse({}), now: clock.now, logger: cap.logger });
  });
  afterEach(async () => {
    // Whatever happened, no token reached a log line.
    for (const t of tokens.splice(0)) expect(cap.text()).not.toContain(t.slice(22));
    await auth.close();
    await ports.close();
  });
  const deps = () => ({ store: ports.store, bus: ports.bus, now: clock.now, logger: cap.logger });
  async function issue(body: Record<string, unknown>) {
    const out = await createKey(deps(), body, ADMIN);
    tokens.push(out.token);
    return out;
  }

  it('accepts a fresh key as Bearer with its scope, owner and actor', async () => {
    const { token, key } = await issue({ name: 'ops-bot', scope: 'operate', owner: 'team-sre', expires: '30d' });
    const p = await auth.authenticate(`Bearer ${token}`);
    expect(p).toEqual({
      kind: 'api_key',
      id: key.id,
      name: 'ops-bot',
      owner: 'team-sre',
      scope: 'operate',
      expiresAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      actor: `key:ops-bot (${key.id})`,
    });
    // The scheme is case-insensitive (RFC 7235); the same principal again (from the cache).
    expect(await auth.authenticate(`bearer ${token}`)).toEqual(p);
  });

  it('no header: null (the HTTP layer decides about anonymous reads)', async () => {
    expect(await auth.authenticate(undefined)).toBeNull();
  });

  it('refuses a wrong secret for a real key id, and a real-looking token for an unknown id', async () => {
    const { token } = await issue({ name: 'a', scope: 'read', expires: '1d' });
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await refused(auth.authenticate(`Bearer ${flipped}`))).toBe('invalid_credential');
    const unknown = `dw_k_${'q'.repeat(16)}_${token.slice(-43)}`;
    expect(await refused(auth.authenticate(`Bearer ${unknown}`))).toBe('invalid_credential');
  });

  it('expiry takes effect on the first request after it, cache or not', async () => {
    const { token } = await issue({ name: 'short', scope: 'admin', expires: '1h' });
    expect((await auth.authenticate(`Bearer ${token}`))?.scope).toBe('admin'); // now cached
    clock.advance(3_600_000 - 1);
    expect((await auth.authenticate(`Bearer ${token}`))?.scope).toBe('admin');
    clock.advance(1);
    expect(await refused(auth.authenticate(`Bearer ${token}`))).toBe('expired_credential');
    expect((await listKeys(deps())).keys[0]!.status).toBe('expired');
  });

  it('revocation takes effect on the very next request, although the token is cached', async () => {
    const { token, key } = await issue({ name: 'ci', scope: 'operate', expires: '12h' });
    for (let i = 0; i < 3; i++) expect((await auth.authenticate(`Bearer ${token}`))?.id).toBe(key.id);
    await revokeKey(deps(), key.id, ADMIN, 'leaked in a CI log');
    expect(await refused(auth.authenticate(`Bearer ${token}`))).toBe('revoked_credential');
    expect(await refused(auth.authenticate(`Bearer ${token}`))).toBe('revoked_credential');
  });

  it('refuses other schemes and, without api.oidc, bearer tokens that are not keys', async () => {
    expect(await refused(auth.authenticate('Basic YWRtaW46YWRtaW4='))).toBe('unsupported_credential');
    expect(await refused(auth.authenticate(''))).toBe('unsupported_credential');
    expect(await refused(auth.authenticate('Bearer'))).toBe('unsupported_credential');
    expect(await refused(auth.authenticate('Bearer a b'))).toBe('unsupported_credential');
    expect(await refused(auth.authenticate('Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig'))).toBe('unsupported_credential');
  });

  it('never puts the scrypt hash (or its salt) in an answer', async () => {
    const created = await issue({ name: 'viewer', scope: 'read', expires: '2026-04-01' });
    const stored = (await ports.store.getApiKey(created.key.id))!;
    const listed = await listKeys(deps());
    const revoked = await revokeKey(deps(), created.key.id, ADMIN);
    for (const answer of [created, listed, revoked]) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(stored.hash.hash);
      expect(text).not.toContain(stored.hash.salt);
      expect(text).not.toContain('scrypt');
    }
    expect(Object.keys(listed.keys[0]!).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'id', 'name', 'owner', 'scope', 'status']);
    // And the store has no copy of the token either.
    expect(JSON.stringify(await ports.store.listApiKeys())).not.toContain(created.token.slice(22));
  });
});

describe('api key verifier: what a request costs', () => {
  let ports: EmbeddedPorts;
  let clock: ReturnType<typeof fakeClock>;
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    clock = fakeClock();
  });
  afterEach(async () => {
    await ports.close();
  });
  const silentDeps = () => ({ store: ports.store, now: clock.now, logger: captureLogger().logger });

  function verifier(cacheTtlMs = 60_000) {
    const c = counting(ports.store, createLimiter({ concurrency: 2, maxQueue: 32 }));
    const cache = createVerifyCache({ maxEntries: 1000, ttlMs: cacheTtlMs });
    const verify = createApiKeyVerifier({ store: c.store, limiter: c.limiter, cache, now: clock.now, logger: captureLogger().logger });
    return { verify, counts: c.counts, cache };
  }

  it('refuses malformed tokens without reading the store or running scrypt', async () => {
    const { verify, counts } = verifier();
    const { token } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1d' }, ADMIN);
    for (const t of ['dw_', 'dw_k_short_secret', token.slice(0, -1), `${token}x`, token.replace('dw_k_', 'dw_K_'), 'dw_' + 'a'.repeat(5000)]) {
      expect(await refused(verify(t))).toBe('invalid_credential');
    }
    expect(counts).toEqual({ reads: 0, scrypts: 0 });
  });

  it('one scrypt per token per TTL; the record is re-read on every request', async () => {
    const { verify, counts } = verifier(60_000);
    const { token } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1d' }, ADMIN);
    for (let i = 0; i < 5; i++) await verify(token);
    expect(counts).toEqual({ reads: 5, scrypts: 1 });
    clock.advance(60_000);
    await verify(token);
    expect(counts).toEqual({ reads: 6, scrypts: 2 });
  });

  it('an unknown key id costs a (dummy) scrypt like a wrong secret, and is not cached', async () => {
    const { verify, counts, cache } = verifier();
    const { token } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1d' }, ADMIN);
    const unknown = `dw_k_${'z'.repeat(16)}_${token.slice(-43)}`;
    expect(await refused(verify(unknown))).toBe('invalid_credential');
    expect(await refused(verify(unknown))).toBe('invalid_credential');
    expect(counts).toEqual({ reads: 2, scrypts: 2 });
    expect(cache.size).toBe(0);
  });

  it('a cache entry only counts for the hash it was verified against', async () => {
    const { verify, counts } = verifier();
    const { token, key } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1d' }, ADMIN);
    await verify(token);
    // The record is replaced by one with another hash (as if re-keyed under the same id).
    const rec = (await ports.store.getApiKey(key.id))!;
    await ports.store.putApiKey({ ...rec, hash: { ...rec.hash, hash: 'C'.repeat(43) } });
    expect(await refused(verify(token))).toBe('invalid_credential');
    expect(counts.scrypts).toBe(2);
  });

  it('an unreadable record refuses the key (401); a store that is down is not the caller\'s fault (rethrown)', async () => {
    const { token } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1d' }, ADMIN);
    const failing = (err: Error) =>
      new Proxy(ports.store, {
        get: (target, prop) => (prop === 'getApiKey' ? () => Promise.reject(err) : (Reflect.get(target, prop) as unknown)),
      });
    const cap = captureLogger();
    const opts = { limiter: createLimiter({ concurrency: 1, maxQueue: 1 }), cache: createVerifyCache({ maxEntries: 10, ttlMs: 1000 }), now: clock.now, logger: cap.logger };
    const corrupt = createApiKeyVerifier({ ...opts, store: failing(new CorruptValueError('api-keys#k', 'bad')) });
    expect(await refused(corrupt(token))).toBe('invalid_credential');
    expect(cap.text()).toContain('api key record is unreadable');
    const down = createApiKeyVerifier({ ...opts, store: failing(new StoreUnavailableError('file store is closed')) });
    await expect(down(token)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('checks the secret before revealing that a key is revoked or expired', async () => {
    const { verify } = verifier();
    const { token, key } = await createKey(silentDeps(), { name: 'x', scope: 'read', expires: '1h' }, ADMIN);
    await revokeKey(silentDeps(), key.id, ADMIN);
    const wrong = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(await refused(verify(wrong))).toBe('invalid_credential');
    expect(await refused(verify(token))).toBe('revoked_credential');
  });
});
