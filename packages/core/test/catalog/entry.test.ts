import { describe, expect, it } from 'vitest';
import { CatalogEntry, credentialFields, isCredentialPath } from '../../src/index.js';

describe('catalog entry', () => {
  it('is a server entry with defaults applied, references kept as written', () => {
    const e = CatalogEntry.parse({
      id: 'gh',
      transport: 'http',
      url: 'https://mcp.example.com/mcp?key=${GH_KEY}',
      headers: { Authorization: 'Bearer ${file:/run/secrets/gh}' },
      owner: 'platform',
      tier: 'prod',
    });
    expect(e).toMatchObject({ interval: 60, approval: 'auto', tags: [], timeout: 15, owner: 'platform', tier: 'prod' });
    expect(e.transport === 'http' && e.headers.Authorization).toBe('Bearer ${file:/run/secrets/gh}');
    expect(e.transport === 'http' && e.url).toBe('https://mcp.example.com/mcp?key=${GH_KEY}');
  });

  it('names a malformed reference by its field', () => {
    const r = CatalogEntry.safeParse({ id: 'x', transport: 'stdio', command: 'node', env: { API_KEY: '${API KEY}' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['env.API_KEY']);
  });

  it('lists the credential fields: headers, env, args (with their flag), URLs', () => {
    const stdio = CatalogEntry.parse({ id: 's', transport: 'stdio', command: 'node', args: ['srv.js', '--token', '${T}', '--key=${K}'], env: { A: '1' } });
    expect(credentialFields(stdio).map((f) => [f.path.join('.'), f.name, f.value])).toEqual([
      ['env.A', 'A', '1'],
      ['args.0', '', 'srv.js'],
      ['args.1', '', '--token'],
      ['args.2', 'token', '${T}'],
      ['args.3', 'key', '${K}'],
    ]);
    expect(isCredentialPath(['headers', 'X'])).toBe(true);
    expect(isCredentialPath(['models', 'openai'])).toBe(true);
    expect(isCredentialPath(['command'])).toBe(false);
    expect(isCredentialPath(['models', 'pinned', 0, 'name'])).toBe(false);
  });
});
