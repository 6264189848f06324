import { describe, expect, it } from 'vitest';
import { CatalogEntry, ServerConfig, configPointerValue, literalSecretProblems, urlCredentialParts, withConfigPointers } from '../../src/index.js';

describe('credentials the config file writes in clear', () => {
  it('finds the password and query values of a URL as written, skipping over references', () => {
    const text = 'https://canary:pw%2Fx@127.0.0.1:8080/mcp?key=Q%20a%267&format=json#frag';
    const parts = urlCredentialParts(text);
    expect(text.slice(parts.password!.start, parts.password!.end)).toBe('pw%2Fx');
    expect(parts.query.map((p) => [p.key, text.slice(p.start, p.end)])).toEqual([
      ['key', 'Q%20a%267'],
      ['format', 'json'],
    ]);
    const withRef = 'https://u:${file:/run/secrets/p}@h.example/x?token=${T}';
    const p2 = urlCredentialParts(withRef);
    expect(withRef.slice(p2.password!.start, p2.password!.end)).toBe('${file:/run/secrets/p}');
    expect(urlCredentialParts('https://h.example/x').password).toBeUndefined();
  });

  it('replaces each literal credential by a pointer, keeps settings and references, and the pointers resolve back', () => {
    const raw = {
      id: 'h',
      transport: 'http',
      url: 'https://canary:pw%2Fx@mcp.example.com/mcp?key=Q%20a%267&format=json',
      headers: { 'X-Canary-Token': 'hdr+abc/9"x', Authorization: 'Bearer ${TOKEN}', Accept: 'application/json' },
    };
    const entry = withConfigPointers(CatalogEntry.parse(raw));
    expect(entry).toMatchObject({
      url: 'https://canary:${config:url:password}@mcp.example.com/mcp?key=${config:url:query:key}&format=json',
      headers: { 'X-Canary-Token': '${config:headers:X-Canary-Token}', Authorization: 'Bearer ${TOKEN}', Accept: 'application/json' },
    });
    expect(JSON.stringify(entry)).not.toMatch(/pw%2Fx|Q%20a|hdr\+abc/);
    // What the catalog API refuses, a pointer is not.
    expect(literalSecretProblems(entry)).toEqual([]);
    const file = ServerConfig.parse(raw);
    expect(configPointerValue(file, 'url:password')).toBe('pw%2Fx');
    expect(configPointerValue(file, 'url:query:key')).toBe('Q%20a%267');
    expect(configPointerValue(file, 'headers:X-Canary-Token')).toBe('hdr+abc/9"x');
    expect(configPointerValue(file, 'headers:Missing')).toBeUndefined();
  });

  it('points at whole arguments and env values of a stdio server', () => {
    const raw = { id: 's', transport: 'stdio', command: 'node', args: ['srv.js', '--token', 'abcd1234', '--api-key=k3y-k3y-k3y'], env: { GITHUB_TOKEN: 'ghp_secret', NODE_ENV: 'production' } };
    const entry = withConfigPointers(CatalogEntry.parse(raw));
    expect(entry).toMatchObject({ args: ['srv.js', '--token', '${config:args:2}', '${config:args:3}'], env: { GITHUB_TOKEN: '${config:env:GITHUB_TOKEN}', NODE_ENV: 'production' } });
    const file = ServerConfig.parse(raw);
    expect(configPointerValue(file, 'args:3')).toBe('--api-key=k3y-k3y-k3y');
    expect(configPointerValue(file, 'env:GITHUB_TOKEN')).toBe('ghp_secret');
  });
});
