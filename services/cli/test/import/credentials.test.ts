import { describe, expect, it } from 'vitest';
import { dropSecretDefaults, protectArgs, protectServerUrl, protectValue } from '../../src/import/credentials.js';
import { Variables } from '../../src/import/variables.js';

function setup() {
  const vars = new Variables();
  const base = { serverId: 'github', vars };
  return { vars, base };
}

describe('protectValue (env and header values)', () => {
  it('replaces a credential-named literal with a generated reference, and records only where it was', () => {
    const { vars, base } = setup();
    expect(protectValue('ghp_abc', 'GITHUB_TOKEN', { ...base, where: 'env GITHUB_TOKEN', label: 'GITHUB_TOKEN' })).toBe('${GITHUB_TOKEN}');
    expect(vars.list()).toEqual([{ name: 'GITHUB_TOKEN', servers: ['github'], origin: 'literal', where: ['github: env GITHUB_TOKEN'] }]);
  });

  it('keeps the auth scheme and replaces the credential after it', () => {
    const { base } = setup();
    expect(protectValue('Bearer abcd1234', 'Authorization', { ...base, where: 'header Authorization', label: 'Authorization' })).toBe('Bearer ${GITHUB_AUTHORIZATION}');
  });

  it('replaces a generated-looking literal whatever its name, and a token inside a longer value', () => {
    const { base } = setup();
    const ctx = { ...base, where: 'env OPTIONS', label: 'OPTIONS' };
    expect(protectValue('Zx81kQ0pLm3nB7vC5xR2', 'OPTIONS', ctx)).toBe('${GITHUB_OPTIONS}');
    expect(protectValue('--key Zx81kQ0pLm3nB7vC5xR2 --fast', 'OPTIONS', ctx)).toBe('--key ${GITHUB_OPTIONS} --fast');
  });

  it('leaves settings, paths, URLs without credentials, and existing references alone', () => {
    const { vars, base } = setup();
    const ctx = (name: string) => ({ ...base, where: `env ${name}`, label: name });
    expect(protectValue('production', 'NODE_ENV', ctx('NODE_ENV'))).toBe('production');
    expect(protectValue('true', 'AUTH_ENABLED', ctx('AUTH_ENABLED'))).toBe('true');
    expect(protectValue('/var/lib/secrets/token', 'TOKEN_FILE', ctx('TOKEN_FILE'))).toBe('/var/lib/secrets/token');
    expect(protectValue('https://api.example.com/v1', 'API_URL', ctx('API_URL'))).toBe('https://api.example.com/v1');
    expect(protectValue('Bearer ${TOKEN}', 'Authorization', ctx('Authorization'))).toBe('Bearer ${TOKEN}');
    expect(vars.list()).toEqual([]);
  });

  it('gives one literal used twice one variable', () => {
    const { vars, base } = setup();
    protectValue('s3cr3t-value', 'API_TOKEN', { ...base, where: 'env API_TOKEN', label: 'API_TOKEN' });
    expect(protectValue('s3cr3t-value', 'OTHER_TOKEN', { ...base, where: 'env OTHER_TOKEN', label: 'OTHER_TOKEN' })).toBe('${GITHUB_API_TOKEN}');
    expect(vars.list().map((v) => v.name)).toEqual(['GITHUB_API_TOKEN']);
  });

  it('pulls the password out of a connection string, also beside a reference', () => {
    const { base } = setup();
    expect(protectValue('postgres://${DB_USER}:pw1234@db/x', 'DSN', { ...base, where: 'env DSN', label: 'DSN' })).toBe('postgres://${DB_USER}:${GITHUB_DSN_PASSWORD}@db/x');
    expect(protectValue('postgres://app:pa55word@db:5432/x?sslmode=require', 'DATABASE_URL', { ...base, where: 'env DATABASE_URL', label: 'DATABASE_URL' })).toBe(
      'postgres://app:${GITHUB_DATABASE_URL_PASSWORD}@db:5432/x?sslmode=require',
    );
  });
});

describe('protectServerUrl', () => {
  it('replaces a password, credential query values and generated-looking path segments, as text', () => {
    const { vars, base } = setup();
    const ctx = { ...base, where: 'url', label: 'URL' };
    expect(protectServerUrl('https://u:pw1234@h.example/mcp', ctx)).toBe('https://u:${GITHUB_URL_PASSWORD}@h.example/mcp');
    expect(protectServerUrl('https://h.example/mcp?api_key=abcd1234&region=eu', ctx)).toBe('https://h.example/mcp?api_key=${GITHUB_URL_API_KEY}&region=eu');
    expect(protectServerUrl('https://actions.example.com/mcp/sk-ak-9f8e7d6c5b4a3f2e1d0c/sse', ctx)).toBe('https://actions.example.com/mcp/${GITHUB_URL_PATH}/sse');
    expect(protectServerUrl('https://h.example/mcp?format=json', ctx)).toBe('https://h.example/mcp?format=json');
    expect(vars.list().map((v) => v.where[0])).toEqual(['github: url (api key)', 'github: url (password)', 'github: url (path)']);
  });
});

describe('protectArgs', () => {
  it('reads flags the way core does: --flag=value, and a value after a credential-named flag', () => {
    const { base } = setup();
    expect(protectArgs(['--token=abcd', '--api-key', 'efgh', '--name', 'demo'], base)).toEqual(['--token=${GITHUB_TOKEN}', '--api-key', '${GITHUB_API_KEY}', '--name', 'demo']);
  });

  it('keeps package specs, images and paths that merely look generated', () => {
    const { vars, base } = setup();
    const args = ['-y', '@upstash/context7-mcp@1.0.14', 'mcp-server-fetch==2025.4.7', 'ghcr.io/github/github-mcp-server:v0.13.0', '/srv/data2024/abcdef1234567'];
    expect(protectArgs(args, base)).toEqual(args);
    expect(vars.list()).toEqual([]);
  });

  it('handles NAME=value (docker -e), URLs with credentials, and tokens inside a header argument', () => {
    const { base } = setup();
    expect(protectArgs(['-e', 'GITHUB_TOKEN=ghp_0123456789abcdef'], base)).toEqual(['-e', 'GITHUB_TOKEN=${GITHUB_TOKEN}']);
    expect(protectArgs(['postgresql://u:pw@db/x'], base)).toEqual(['postgresql://u:${GITHUB_PASSWORD}@db/x']);
    expect(protectArgs(['--header', 'Authorization: Bearer sk_live_0123456789abcdef'], base)).toEqual(['--header', 'Authorization: Bearer ${GITHUB_HEADER}']);
  });
});

describe('dropSecretDefaults', () => {
  it('drops a default that is a credential and keeps one that is a setting', () => {
    expect(dropSecretDefaults('${DB_PASSWORD:-hunter22}', 'DB_PASSWORD')).toEqual({ value: '${DB_PASSWORD}', dropped: ['DB_PASSWORD'] });
    expect(dropSecretDefaults('${TOKEN:-x}', 'Authorization')).toEqual({ value: '${TOKEN:-x}', dropped: [] });
    expect(dropSecretDefaults('${HOST:-localhost}', 'DB_HOST')).toEqual({ value: '${HOST:-localhost}', dropped: [] });
    expect(dropSecretDefaults('Bearer ${T:-Zx81kQ0pLm3nB7vC5xR2}', 'X')).toEqual({ value: 'Bearer ${T}', dropped: ['T'] });
  });
});
