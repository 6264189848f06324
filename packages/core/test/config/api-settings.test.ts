import { describe, expect, it } from 'vitest';
import { ApiSettings, DEFAULT_SCOPE_MAP } from '../../src/config/api-settings.js';
import { DriftwatchConfig } from '../../src/config.js';

const oidc = { issuer: 'https://idp.example.com/', audience: 'driftwatch', jwksUrl: 'https://idp.example.com/.well-known/jwks.json' };

function issues(input: unknown): Array<{ path: string; message: string }> {
  const r = ApiSettings.safeParse(input);
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('ApiSettings', () => {
  it('fills defaults and leaves anonymousRead and allowedHosts unset (they have a meaning when unset)', () => {
    const s = ApiSettings.parse({});
    expect(s).toEqual({ mutationsPerMinute: 60, auditRetentionDays: 400 });
    expect('anonymousRead' in s).toBe(false);
    expect('allowedHosts' in s).toBe(false);
  });

  it('is wired into DriftwatchConfig: an omitted `api` gets every default', () => {
    const c = DriftwatchConfig.parse({ servers: [] });
    expect(c.api).toEqual({ mutationsPerMinute: 60, auditRetentionDays: 400 });
    const r = DriftwatchConfig.safeParse({ servers: [], api: { anonymousReads: true } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['api']);
  });

  it('fills the oidc defaults: scope claim, default scope map, email then sub, 30 s skew', () => {
    const s = ApiSettings.parse({ oidc });
    expect(s.oidc).toEqual({ ...oidc, scopeClaim: 'scope', scopeMap: DEFAULT_SCOPE_MAP, nameClaim: 'email', clockToleranceSeconds: 30 });
  });

  it('a configured scopeMap replaces the default one', () => {
    const s = ApiSettings.parse({ oidc: { ...oidc, scopeMap: { 'sec-admins': 'admin' } } });
    expect(s.oidc!.scopeMap).toEqual({ 'sec-admins': 'admin' });
  });

  it('refuses unknown keys at every level (a misspelt security setting must not fall back silently)', () => {
    expect(issues({ anonymousReads: false })[0]).toMatchObject({ path: '', message: expect.stringContaining('anonymousReads') });
    expect(issues({ oidc: { ...oidc, audiance: 'x' } })[0]).toMatchObject({ path: 'oidc', message: expect.stringContaining('audiance') });
  });

  it('refuses a scopeMap value that is not a scope, naming the entry', () => {
    const found = issues({ oidc: { ...oidc, scopeMap: { 'driftwatch:root': 'root', ok: 'read' } } });
    expect(found).toEqual([{ path: 'oidc.scopeMap.driftwatch:root', message: 'must be one of read, operate, admin' }]);
    expect(issues({ oidc: { ...oidc, scopeMap: {} } })[0]!.path).toBe('oidc.scopeMap');
  });

  it('refuses bad URLs: not a URL, a plain-http JWKS off loopback, a non-http issuer', () => {
    const found = issues({ oidc: { ...oidc, issuer: 'idp.example.com', jwksUrl: 'not a url' } });
    expect(found.map((i) => i.path).sort()).toEqual(['oidc.issuer', 'oidc.jwksUrl']);
    expect(found.find((i) => i.path === 'oidc.jwksUrl')!.message).toContain('absolute URL');
    const plain = issues({ oidc: { ...oidc, jwksUrl: 'http://idp.example.com/jwks' } });
    expect(plain).toEqual([{ path: 'oidc.jwksUrl', message: expect.stringContaining('https://') }]);
    expect(issues({ oidc: { ...oidc, issuer: 'ftp://idp.example.com/' } })[0]!.path).toBe('oidc.issuer');
    expect(issues({ oidc: { ...oidc, jwksUrl: 'file:///etc/passwd' } })[0]!.path).toBe('oidc.jwksUrl');
  });

  it('accepts a plain-http JWKS on loopback (a local IdP or a test)', () => {
    for (const jwksUrl of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks']) {
      expect(ApiSettings.safeParse({ oidc: { ...oidc, jwksUrl } }).success).toBe(true);
    }
  });

  it('reports every problem in one pass, with paths', () => {
    const found = issues({
      mutationsPerMinute: 0,
      auditRetentionDays: 1.5,
      allowedHosts: ['ok.example.com', 'http://evil/', ''],
      oidc: { issuer: oidc.issuer, audience: '', jwksUrl: oidc.jwksUrl, clockToleranceSeconds: 3600, scopeClaim: 'a b' },
    });
    expect(found.map((i) => i.path).sort()).toEqual(
      ['allowedHosts.1', 'allowedHosts.2', 'auditRetentionDays', 'mutationsPerMinute', 'oidc.audience', 'oidc.clockToleranceSeconds', 'oidc.scopeClaim'].sort(),
    );
  });

  it('lowercases allowed hosts and accepts ports and bracketed IPv6', () => {
    const s = ApiSettings.parse({ allowedHosts: ['Driftwatch.Example.COM', 'localhost:7420', '[::1]:7420', '10.0.0.5'] });
    expect(s.allowedHosts).toEqual(['driftwatch.example.com', 'localhost:7420', '[::1]:7420', '10.0.0.5']);
  });
});
