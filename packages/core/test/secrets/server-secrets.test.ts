import { describe, expect, it } from 'vitest';
import { ServerConfig } from '../../src/config.js';
import { isCredentialName, isLiteralSecret, looksGenerated, recordEnvSubstitutions, secretsOfConfig, secretsOfServer } from '../../src/secrets/index.js';
import { DriftwatchConfig } from '../../src/config.js';

const stdio = (extra: Record<string, unknown>) => ServerConfig.parse({ id: 's', transport: 'stdio', command: 'node', ...extra });
const http = (url: string, extra: Record<string, unknown> = {}) => ServerConfig.parse({ id: 'h', transport: 'http', url, ...extra });
const values = (server: ServerConfig) => secretsOfServer(server).map((s) => `${s.source}=${s.value}`);

describe('secretsOfServer', () => {
  it('takes credential-named literals of 4+ characters, not settings', () => {
    const server = stdio({
      env: { GITHUB_TOKEN: 'ghp_abc123', DB_PASS: 'hunter2', apiKey: 'k-9f2', NODE_ENV: 'production', DEBUG: '1', READ_ONLY: 'true', AUTH_ENABLED: 'true', PIN_TOKEN: 'abc', KEY_FILE: '/etc/key.pem' },
    });
    expect(values(server)).toEqual(['env:GITHUB_TOKEN=ghp_abc123', 'env:DB_PASS=hunter2', 'env:apiKey=k-9f2']);
  });

  it('takes any literal that looks generated, whatever its name, but not URLs and paths', () => {
    const server = stdio({ env: { UPSTREAM: 'a8f3c9e1b2d4f6a8c0e2', HOME_DIR: '/home/u/projects2024/x', BASE: 'https://api.example.com/v1', WORDS: 'a sentence with 12 words' } });
    expect(values(server)).toEqual(['env:UPSTREAM=a8f3c9e1b2d4f6a8c0e2']);
    expect(looksGenerated('sk-live-0123456789abcdef')).toBe(true);
    expect(looksGenerated('production')).toBe(false);
  });

  it('takes header values and the credential after an auth scheme', () => {
    const server = http('https://mcp.example.com/mcp', { headers: { Authorization: 'Bearer tok-4f5e6d', 'X-Api-Key': 'k-12345', Accept: 'application/json' } });
    expect(values(server)).toEqual(['header:Authorization=Bearer tok-4f5e6d', 'header:Authorization=tok-4f5e6d', 'header:X-Api-Key=k-12345']);
  });

  it('takes URL passwords at any length, the user:password pair, and credential-named query values', () => {
    const server = http('https://bob:p%2Fw@mcp.example.com/mcp?api_key=q-77&format=json&sig=x');
    expect(values(server)).toEqual(['url:password=p/w', 'url:userinfo=bob:p/w', 'url:query:api_key=q-77']);
  });

  it('takes credential arguments: --token value and --api-key=value', () => {
    const server = stdio({ args: ['server.js', '--token', 'tok-abcd', '--api-key=k-1234', '--verbose', '--port', '8080'] });
    expect(values(server)).toEqual(['arg:2=tok-abcd', 'arg:3=k-1234']);
  });

  it('takes every value that came from ${VAR}, at any length, where it can hold a credential', () => {
    const env = stdio({ env: { CANARY: 'ab', NODE_ENV: 'production' }, args: ['--x', 'q'] });
    recordEnvSubstitutions(env, [
      { path: ['env', 'CANARY'], value: 'ab' },
      { path: ['args', 1], value: 'q' },
    ]);
    expect(values(env)).toEqual(['env:CANARY=ab', 'arg:1=q']);

    const url = http('https://mcp.internal:8443/mcp/k3y?key=zz', { models: { ollama: 'http://ollama:11434' } });
    recordEnvSubstitutions(url, [
      // `https://${HOST}:${PORT}/mcp/${PATH_KEY}?key=${Q}`: only the path key and the query value are credentials.
      { path: ['url'], value: 'mcp.internal' },
      { path: ['url'], value: '8443' },
      { path: ['url'], value: 'k3y' },
      { path: ['url'], value: 'zz' },
      { path: ['models', 'ollama'], value: 'http://ollama:11434' },
    ]);
    expect(values(url)).toEqual(['url:path=k3y', 'url:query:key=zz']);
  });

  it('forgets nothing when the entry is the same object, and knows nothing about a copy', () => {
    const server = stdio({ env: { X: 'ab' } });
    recordEnvSubstitutions(server, [{ path: ['env', 'X'], value: 'ab' }]);
    expect(values(server)).toEqual(['env:X=ab']);
    expect(values({ ...server })).toEqual([]);
  });

  it('collects every server of a config', () => {
    const config = DriftwatchConfig.parse({
      servers: [
        { id: 'a', transport: 'stdio', command: 'node', env: { API_TOKEN: 'tok-aaaa' } },
        { id: 'b', transport: 'http', url: 'https://u:pw@h.example/mcp' },
      ],
    });
    expect(secretsOfConfig(config).map((s) => s.source)).toEqual(['env:API_TOKEN', 'url:password', 'url:userinfo']);
  });
});

describe('isCredentialName', () => {
  it.each(['GITHUB_TOKEN', 'Authorization', 'X-Api-Key', 'apiKey', 'ACCESSTOKEN', 'client_secret', 'DB_PASSWORD', 'SMTP_PASS', 'private_key', 'Cookie', 'token'])('%s is', (name) => {
    expect(isCredentialName(name)).toBe(true);
  });
  it.each(['NODE_ENV', 'MONKEY_MODE', 'BYPASS_CACHE', 'LOG_LEVEL', 'format', 'Accept', 'HOME'])('%s is not', (name) => {
    expect(isCredentialName(name)).toBe(false);
  });
});

describe('isLiteralSecret', () => {
  it('is the literal rule secretsOfServer applies: credential-named or generated-looking, not settings, URLs or paths', () => {
    expect(isLiteralSecret('GITHUB_TOKEN', 'ghp_abc123')).toBe(true);
    expect(isLiteralSecret('UPSTREAM', 'a8f3c9e1b2d4f6a8c0e2')).toBe(true);
    expect(isLiteralSecret('AUTH_ENABLED', 'true')).toBe(false);
    expect(isLiteralSecret('PIN_TOKEN', 'abc')).toBe(false);
    expect(isLiteralSecret('KEY_FILE', '/etc/key.pem')).toBe(false);
    expect(isLiteralSecret('NODE_ENV', 'production')).toBe(false);
    for (const [name, value] of [['GITHUB_TOKEN', 'ghp_abc123'], ['NODE_ENV', 'production'], ['X', 'a8f3c9e1b2d4f6a8c0e2']] as const) {
      expect(isLiteralSecret(name, value)).toBe(values(stdio({ env: { [name]: value } })).length > 0);
    }
  });
});
