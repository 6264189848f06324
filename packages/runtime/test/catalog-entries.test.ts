import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftwatchConfig, secretsOfServer } from '@driftwatch/core';
import { ConfigError, catalogEntriesOf, parseConfig } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-secrets-'));
  await writeFile(join(dir, 'token'), 'tok-from-file-77\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const YAML = (secretDir: string) =>
  'allowPrivateNetwork: true\n' +
  'servers:\n' +
  '  - id: h\n' +
  '    transport: http\n' +
  '    url: "https://mcp.example.com/mcp?key=${KEY}"\n' +
  '    interval: ${INTERVAL}\n' +
  '    headers: { Authorization: "Bearer ${file:' + secretDir + '/token}", X-Team: "${TEAM}" }\n' +
  '  - id: s\n' +
  '    transport: stdio\n' +
  '    command: "${NODE_BIN}"\n' +
  '    args: ["srv.js", "--token", "${TOKEN}"]\n' +
  '    cwd: sub\n' +
  '    env: { GITHUB_TOKEN: "${TOKEN}", LITERAL: "$${not-a-ref}" }\n' +
  '  - id: whole-url\n' +
  '    transport: http\n' +
  '    url: "${MCP_URL}"\n';

const ENV = { KEY: 'k-secret-1', INTERVAL: '30', TEAM: 'blue', NODE_BIN: '/usr/bin/node', TOKEN: 'ghp_secret_2', MCP_URL: 'https://other.example.com/mcp', DRIFTWATCH_SECRET_DIRS: '' };

describe('config file → catalog entries', () => {
  it('keeps credential references unresolved and resolves everything else, as the config does', () => {
    const env = { ...ENV, DRIFTWATCH_SECRET_DIRS: dir };
    const config = parseConfig(YAML(dir), { env, baseDir: '/etc/dw' });
    // The process's own config is resolved, as before.
    const h = config.servers[0]!;
    expect(h.transport === 'http' && h.headers.Authorization).toBe('Bearer tok-from-file-77');
    expect(secretsOfServer(h).map((s) => s.source)).toEqual(expect.arrayContaining(['header:Authorization', 'url:query:key']));

    const [eh, es, ew] = catalogEntriesOf(config);
    expect(eh).toMatchObject({ id: 'h', interval: 30, url: 'https://mcp.example.com/mcp?key=${KEY}', headers: { Authorization: `Bearer \${file:${dir}/token}`, 'X-Team': '${TEAM}' }, allowPrivateNetwork: true });
    expect(es).toMatchObject({ id: 's', command: '/usr/bin/node', args: ['srv.js', '--token', '${TOKEN}'], cwd: '/etc/dw/sub', env: { GITHUB_TOKEN: '${TOKEN}', LITERAL: '$${not-a-ref}' } });
    // A reference that supplies the whole URL is addressing: resolved when the file is read.
    expect(ew).toMatchObject({ id: 'whole-url', url: 'https://other.example.com/mcp' });
    const text = JSON.stringify(catalogEntriesOf(config));
    for (const secret of ['k-secret-1', 'tok-from-file-77', 'ghp_secret_2', 'blue']) expect(text).not.toContain(secret);
  });

  it('reads ${file:...} only inside DRIFTWATCH_SECRET_DIRS (default /run/secrets), naming the path, never the content', () => {
    let err: unknown;
    try {
      parseConfig(YAML(dir), { env: ENV, baseDir: '/etc/dw' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      { path: 'servers[0].headers.Authorization', message: expect.stringMatching(/outside the secret directories \(\/run\/secrets; set DRIFTWATCH_SECRET_DIRS\)/) },
    ]);
    expect((err as ConfigError).message).not.toContain('tok-from-file-77');
  });

  it('keeps a credential written in clear in the file: the entry points at it', () => {
    const config = parseConfig('servers:\n  - { id: h, transport: http, url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer literal-abc-123" } }\n', { env: {} });
    const [entry] = catalogEntriesOf(config);
    expect(entry).toMatchObject({ headers: { Authorization: '${config:headers:Authorization}' } });
    expect(JSON.stringify(entry)).not.toContain('literal-abc-123');
  });

  it('refuses a ${config:...} pointer written in the file itself', () => {
    expect(() => parseConfig('servers:\n  - { id: h, transport: http, url: "https://mcp.example.com/mcp", headers: { A: "${config:headers:B}" } }\n', { env: {} })).toThrow(
      /written by Driftwatch in the catalog/,
    );
  });

  it('a config built in code (nothing interpolated) gives its servers as they are', () => {
    const config = DriftwatchConfig.parse({ servers: [{ id: 'a', transport: 'stdio', command: 'node' }] });
    expect(catalogEntriesOf(config)).toEqual(config.servers);
  });
});
