import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { secretsOfServer } from '@driftwatch/core';
import { ConfigError, createLogger, loadConfig, parseConfig } from '../src/index.js';

function configError(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(text, { source: 'dw.yaml', env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected parseConfig to throw');
}

const http = (headers: string) => `servers:\n  - id: a\n    transport: http\n    url: https://mcp.example.com/mcp\n    headers:\n${headers}`;

describe('config: values that go on the wire', () => {
  it('refuses a header value with CR or LF, naming the field and never the value', () => {
    const err = configError(http('      X-Token: "tok-4f5e\\r\\nX-Evil: 1"\n'));
    expect(err.issues).toEqual([{ path: 'servers[0].headers["X-Token"]', message: 'must not contain a line break (CR or LF) or a NUL character' }]);
    expect(err.message).toContain('servers[0].headers["X-Token"]');
    expect(err.message).not.toContain('tok-4f5e');
    expect(err.message).not.toContain('X-Evil');
  });

  it('refuses a newline that arrives through ${VAR} (a token file with a trailing newline)', () => {
    const err = configError(http('      Authorization: "Bearer ${TOKEN}"\n'), { TOKEN: 'tok-from-file\n' });
    expect(err.issues.map((i) => i.path)).toEqual(['servers[0].headers.Authorization']);
    expect(err.message).not.toContain('tok-from-file');
  });

  it('refuses an env value with CR, LF or NUL, naming the variable', () => {
    const err = configError('servers:\n  - id: s\n    transport: stdio\n    command: node\n    env:\n      A: "x\\ny"\n      B: "x\\ry"\n      C: "x\\0y"\n      D: fine\n');
    expect(err.issues.map((i) => i.path)).toEqual(['servers[0].env.A', 'servers[0].env.B', 'servers[0].env.C']);
  });

  it('refuses a header name that is not an HTTP token', () => {
    const err = configError(http('      "X Token": a\n      "X-Evil\\n": b\n'));
    expect(err.issues.map((i) => i.path)).toEqual(['servers[0].headers["X Token"]', 'servers[0].headers["X-Evil\\n"]']);
    expect(err.issues[0]?.message).toMatch(/HTTP header name/);
  });
});

describe('config: which values are secrets', () => {
  it('marks every ${VAR} value of an env, header or URL query as a secret, whatever its length', () => {
    const config = parseConfig(
      'servers:\n' +
        '  - { id: s, transport: stdio, command: node, env: { CANARY: "${SHORT}", NODE_ENV: production } }\n' +
        '  - { id: h, transport: http, url: "https://${HOST}/mcp?key=${KEY}", headers: { X-Team: "${TEAM}" } }\n',
      { env: { SHORT: 'ab', HOST: 'mcp.example.com', KEY: 'k9', TEAM: 'blue' } },
    );
    expect(secretsOfServer(config.servers[0]!)).toEqual([{ value: 'ab', source: 'env:CANARY' }]);
    expect(secretsOfServer(config.servers[1]!)).toEqual([
      { value: 'k9', source: 'url:query:key' },
      { value: 'blue', source: 'header:X-Team' },
    ]);
  });
});

describe('loadConfig: the log scrubber', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registers the config secrets so that no later log line shows them, in any form', async () => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
    // Created before the config is read, as the CLI does.
    const logger = createLogger({ name: 't', level: 'info', destination: stream });
    dir = await mkdtemp(join(tmpdir(), 'dw-cfg-secrets-'));
    const file = join(dir, 'dw.yaml');
    await writeFile(file, 'servers:\n  - { id: s, transport: stdio, command: node, env: { PIN: "${DW_TEST_PIN}" } }\n');
    const secret = 'q"7\\x';
    await loadConfig(file, { env: { DW_TEST_PIN: secret } });
    const b64 = Buffer.from(secret).toString('base64');
    logger.child({ serverId: 's' }).warn({ reason: `server said ${secret} and ${b64}` }, `probe failed: ${encodeURIComponent(secret)}`);
    const out = chunks.join('');
    expect(JSON.parse(out)).toMatchObject({ level: 'warn', serverId: 's' });
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), b64, encodeURIComponent(secret)]) expect(out).not.toContain(form);
    expect(out).toContain('[redacted:env:PIN]');
  });
});
