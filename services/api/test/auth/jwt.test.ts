import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { ApiSettings, type ApiSettingsInput } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { scopeFromClaim } from '../../src/auth/jwt-verifier.js';
import { AuthError, type Authenticator } from '../../src/auth/types.js';
import { embeddedPorts, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { captureLogger, fakeClock } from './helpers.js';

const ISSUER = 'https://idp.test.example/';
const AUDIENCE = 'driftwatch-api';

/** A local IdP's JWKS endpoint on 127.0.0.1, serving whatever keys the test puts in it. */
let server: Server;
let jwksUrl: string;
let published: JWK[] = [];
let jwksStatus = 200;
let jwksHits = 0;
let signingKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  published = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }];
  server = createServer((req, res) => {
    jwksHits++;
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(jwksStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('bearer JWTs from the identity provider', () => {
  let ports: EmbeddedPorts;
  let clock: ReturnType<typeof fakeClock>;
  let cap: ReturnType<typeof captureLogger>;
  let auth: Authenticator;
  const nowS = () => Math.floor(clock.now().getTime() / 1000);

  function authenticator(oidc: Partial<NonNullable<ApiSettingsInput['oidc']>> = {}): Authenticator {
    const settings = ApiSettings.parse({ oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUrl, ...oidc } });
    return createAuthenticator({ store: ports.store, settings, now: clock.now, logger: cap.logger, jwks: { timeoutMs: 2_000 } });
  }

  /** A token as the IdP would sign it; every field can be overridden to make it wrong. */
  async function token(
    claims: Record<string, unknown> = {},
    opts: { key?: CryptoKey; iss?: string; aud?: string; exp?: number | null; kid?: string } = {},
  ): Promise<string> {
    const jwt = new SignJWT({ sub: 'u-123', email: 'alice@example.com', scope: 'openid driftwatch:operate', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setIssuedAt(nowS());
    if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? nowS() + 300);
    return jwt.sign(opts.key ?? signingKey);
  }

  async function refused(p: Promise<unknown>): Promise<string> {
    const err = await p.then(
      () => {
        throw new Error('expected the token to be refused');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).code;
  }

  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    // Real time: jose checks the JWKS cache against Date.now(); claims use the injected clock.
    clock = fakeClock(new Date().toISOString());
    cap = captureLogger();
    jwksStatus = 200;
    auth = authenticator();
  });
  afterEach(async () => {
    await auth.close();
    await ports.close();
  });

  it('accepts a valid token: scope from the claim, actor from the email, expiry from exp', async () => {
    const t = await token();
    const p = await auth.authenticate(`Bearer ${t}`);
    expect(p).toEqual({
      kind: 'jwt',
      id: 'u-123',
      name: 'alice@example.com',
      scope: 'operate',
      expiresAt: new Date((nowS() + 300) * 1000).toISOString(),
      actor: 'oidc:alice@example.com',
    });
    expect(cap.text()).not.toContain(t.split('.')[2]!);
  });

  it('takes the highest mapped scope, from a string or an array claim; falls back to sub for the name', async () => {
    const both = await token({ scope: 'driftwatch:read driftwatch:admin', email: undefined });
    expect(await auth.authenticate(`Bearer ${both}`)).toMatchObject({ scope: 'admin', name: 'u-123', actor: 'oidc:u-123' });
    const groups = authenticator({ scopeClaim: 'groups', scopeMap: { 'sec-readers': 'read', 'sec-oncall': 'operate' }, nameClaim: 'preferred_username' });
    const t = await token({ groups: ['eng', 'sec-readers', 'sec-oncall'], preferred_username: 'bob' });
    expect(await groups.authenticate(`Bearer ${t}`)).toMatchObject({ scope: 'operate', actor: 'oidc:bob' });
    await groups.close();
  });

  it('refuses a token that maps to no scope', async () => {
    expect(await refused(auth.authenticate(`Bearer ${await token({ scope: 'openid profile' })}`))).toBe('invalid_credential');
    expect(await refused(auth.authenticate(`Bearer ${await token({ scope: undefined })}`))).toBe('invalid_credential');
  });

  it('refuses a wrong issuer, a wrong audience, another key\'s signature', async () => {
    expect(await refused(auth.authenticate(`Bearer ${await token({}, { iss: 'https://evil.example/' })}`))).toBe('invalid_credential');
    expect(await refused(auth.authenticate(`Bearer ${await token({}, { aud: 'some-other-api' })}`))).toBe('invalid_credential');
    expect(await refused(auth.authenticate(`Bearer ${await token({}, { key: otherKey })}`))).toBe('invalid_credential');
    expect(await refused(auth.authenticate(`Bearer ${await token({}, { key: otherKey, kid: 'unknown' })}`))).toBe('invalid_credential');
  });

  it('refuses an expired token (past the clock tolerance) and one without exp', async () => {
    const t = await token({}, { exp: nowS() + 60 });
    expect((await auth.authenticate(`Bearer ${t}`))?.scope).toBe('operate');
    clock.advance(60_000 + 29_000); // within the default 30 s tolerance
    expect((await auth.authenticate(`Bearer ${t}`))?.scope).toBe('operate');
    clock.advance(2_000);
    expect(await refused(auth.authenticate(`Bearer ${t}`))).toBe('expired_credential');
    expect(await refused(auth.authenticate(`Bearer ${await token({}, { exp: null })}`))).toBe('invalid_credential');
  });

  it('refuses alg "none" and an HS256 token signed with the public JWK as secret', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { sub: 'u-123', scope: 'driftwatch:admin', iss: ISSUER, aud: AUDIENCE, exp: nowS() + 300 };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(await refused(auth.authenticate(`Bearer ${none}`))).toBe('invalid_credential');
    const noneWithSig = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.AAAA`;
    expect(await refused(auth.authenticate(`Bearer ${noneWithSig}`))).toBe('invalid_credential');
    const secret = new TextEncoder().encode(JSON.stringify(published[0]));
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
    expect(await refused(auth.authenticate(`Bearer ${hs}`))).toBe('invalid_credential');
    // Refused for the algorithm, before any key lookup, every time.
    expect(cap.text().match(/ERR_JOSE_ALG_NOT_ALLOWED/g)).toHaveLength(3);
  });

  it('answers 503 (not 401) while the JWKS cannot be fetched, without fetching on every request', async () => {
    jwksStatus = 500;
    const t = await token();
    const before = jwksHits;
    for (let i = 0; i < 5; i++) {
      const err = await auth.authenticate(`Bearer ${t}`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toMatchObject({ status: 503, code: 'idp_unavailable' });
    }
    expect(jwksHits - before).toBe(1);
    expect(cap.text()).toContain('could not fetch the JWKS');
  });
});

describe('scopeFromClaim', () => {
  const map = { 'driftwatch:read': 'read', 'driftwatch:admin': 'admin' } as const;
  it('maps, takes the highest, ignores unknown values and prototype names', () => {
    expect(scopeFromClaim('driftwatch:read  driftwatch:admin', map)).toBe('admin');
    expect(scopeFromClaim(['driftwatch:read', 7, null], map)).toBe('read');
    expect(scopeFromClaim('__proto__ constructor toString', map)).toBeNull();
    expect(scopeFromClaim({ 'driftwatch:admin': true }, map)).toBeNull();
    expect(scopeFromClaim(undefined, map)).toBeNull();
  });
});
