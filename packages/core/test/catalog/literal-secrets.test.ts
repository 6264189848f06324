import { describe, expect, it } from 'vitest';
import { CatalogEntry, literalSecretProblems } from '../../src/index.js';

const problems = (entry: unknown) => literalSecretProblems(CatalogEntry.parse(entry)).map((p) => p.path.join('.'));

describe('literal secrets in a catalog entry', () => {
  it('refuses credential-named headers and variables written in clear, naming the field', () => {
    expect(problems({ id: 'h', transport: 'http', url: 'https://x.example/mcp', headers: { Authorization: 'Bearer abcd1234', 'X-Api-Key': 'k3y-value' } })).toEqual([
      'headers.Authorization',
      'headers.X-Api-Key',
    ]);
    expect(problems({ id: 's', transport: 'stdio', command: 'node', env: { GITHUB_TOKEN: 'ghp_xxxxxxxx' } })).toEqual(['env.GITHUB_TOKEN']);
  });

  it('refuses a generated-looking value whatever its name, and a default that holds a credential', () => {
    expect(problems({ id: 's', transport: 'stdio', command: 'node', env: { UPSTREAM: 'a8f3k29dj3k4l5m6n7' } })).toEqual(['env.UPSTREAM']);
    expect(problems({ id: 's', transport: 'stdio', command: 'node', env: { API_TOKEN: '${API_TOKEN:-abcd1234}' } })).toEqual(['env.API_TOKEN']);
  });

  it('refuses credentials in clear in arguments and URLs', () => {
    expect(problems({ id: 's', transport: 'stdio', command: 'node', args: ['srv.js', '--token', 'abcd1234', '--api-key=abcd1234'] })).toEqual(['args.2', 'args.3']);
    expect(problems({ id: 'h', transport: 'http', url: 'https://user:pass1234@x.example/mcp?api_key=abcd1234&format=json' })).toEqual(['url', 'url']);
  });

  it('accepts the packages, images and scripts an argument names, unless a credential flag names it', () => {
    const args = ['-y', '@playwright/mcp@0.0.41', 'acme-weather-mcp==1.4.0', 'ghcr.io/github/github-mcp-server:v0.13.0', 'tools/db-mcp-2024.js', '--pkg=mcp-remote@0.1.29'];
    expect(problems({ id: 's', transport: 'stdio', command: 'npx', args })).toEqual([]);
    expect(problems({ id: 's', transport: 'stdio', command: 'npx', args: ['--token', 'mcp-remote@0.1.29', '--secret=acme-weather-mcp==1.4.0', 'AbC123dEf456/GhI789jKl012'] })).toEqual([
      'args.1',
      'args.2',
      'args.3',
    ]);
  });

  it('accepts references, an auth scheme in front of one, settings, URLs and paths', () => {
    expect(
      problems({
        id: 'h',
        transport: 'http',
        url: 'https://user:${PASS}@x.example/mcp?api_key=${KEY}&format=json',
        headers: { Authorization: 'Bearer ${TOKEN}', 'X-Api-Key': '${file:/run/secrets/key}', Accept: 'application/json' },
      }),
    ).toEqual([]);
    expect(
      problems({
        id: 's',
        transport: 'stdio',
        command: 'node',
        args: ['--token', '${TOKEN}', '--config=/etc/srv.json'],
        env: { AUTH_ENABLED: 'true', NODE_ENV: 'production', TOKEN_URL: 'https://auth.example/token', SECRET_FILE: '/run/secrets/x' },
      }),
    ).toEqual([]);
  });
});
