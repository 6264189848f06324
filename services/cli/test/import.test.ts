import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ServerConfig } from '@driftwatch/core';
import { importServers } from '../src/commands/import.js';
import { main } from '../src/main.js';
import { ALL_SECRETS, FIXTURES, fixtureText } from './import/fixtures.js';
import { run, spawnCli, tempDir } from './helpers.js';

const tmp = tempDir('import');
afterAll(() => tmp.cleanup());

const API_KEY = 'dw_admin_test_key_0123456789';
/** Runs `driftwatch import` as main() does, with a given environment. */
const runImport = (argv: string[], env: NodeJS.ProcessEnv = {}) => run((a, out) => importServers(a, out, { env }), argv);

describe('driftwatch import --dry-run', () => {
  it('never prints a credential written in a fixture, in any output format', async () => {
    for (const [key, fixture] of Object.entries(FIXTURES)) {
      const text = fixtureText(fixture.file);
      // The check below is only worth something if the fixture really holds the secrets in clear.
      for (const secret of fixture.secrets) expect(text, key).toContain(secret);
      for (const output of ['text', 'json', 'yaml']) {
        const r = await runImport([fixture.file, '--dry-run', '--output', output]);
        expect(r.code, `${key} ${output}`).toBe(0);
        expect(r.out.length).toBeGreaterThan(100);
        for (const secret of ALL_SECRETS) expect(r.out, `${key} ${output}`).not.toContain(secret);
      }
    }
  });

  it('prints what it would add, what it skipped and which variables to set', async () => {
    const r = await runImport([FIXTURES.claudeDesktop.file, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${FIXTURES.claudeDesktop.file}: read as Claude Desktop config (detected from its file name)`);
    expect(r.out).toMatch(/^Would add \(7, approval: required\):$/m);
    expect(r.out).toMatch(/^ {2}github +stdio +npx -y @modelcontextprotocol\/server-github$/m);
    expect(r.out).toContain('mcpServers["broken"]: has neither "command" nor "url"');
    expect(r.out).toMatch(/^ {2}GITHUB_PERSONAL_ACCESS_TOKEN +replaces a credential written in the file; move it here \(github: env GITHUB_PERSONAL_ACCESS_TOKEN\)$/m);
    expect(r.out).toMatch(/^ {2}BRAVE_API_KEY +referenced by the file/m);
  });

  it('--output json carries valid catalog entries; --output yaml the same document', async () => {
    const json = JSON.parse((await runImport([FIXTURES.serverJson.file, '--dry-run', '-o', 'json', '--tag', 'registry'])).out) as {
      format: string;
      dryRun: boolean;
      servers: unknown[];
      variables: Array<{ name: string }>;
    };
    expect(json).toMatchObject({ format: 'server-json', dryRun: true });
    expect(json.servers).toHaveLength(5);
    for (const s of json.servers) expect(ServerConfig.safeParse(s).success).toBe(true);
    const yaml = (await runImport([FIXTURES.serverJson.file, '--dry-run', '-o', 'yaml', '--tag', 'registry'])).out;
    expect(yaml).toMatch(/^servers:\n {2}- id: weather-npm\n/m);
    expect(yaml).toContain('    tags:\n      - registry\n');
  });

  it('--format overrides detection, and a file that is not that format is a one-line usage error', async () => {
    const r = await runImport([FIXTURES.vscodeSettings.file, '--dry-run', '--format', 'claude-desktop']);
    expect(r).toMatchObject({ code: 2, error: `${FIXTURES.vscodeSettings.file}: not a usable Claude Desktop config: it has no "mcpServers" object` });
    const forced = await runImport([FIXTURES.claudeDesktop.file, '--dry-run', '--format', 'cursor']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('read as Cursor MCP config (--format)');
  });

  it('refuses bad usage with exit code 2', async () => {
    const unknown = tmp.write('other.json', { hello: 'world' });
    expect(await runImport([unknown, '--dry-run'])).toMatchObject({ code: 2, error: `cannot tell which client wrote ${unknown}; pass --format claude-desktop|claude-code|vscode|cursor|server-json` });
    expect(await runImport([FIXTURES.cursor.file, '--dry-run', '--output', 'xml'])).toMatchObject({ code: 2, error: '--output must be one of text, json, yaml (got "xml")' });
    expect(await runImport([FIXTURES.cursor.file, '--dry-run', '--approval', 'never'])).toMatchObject({ code: 2 });
    expect(await runImport([FIXTURES.cursor.file, '--dry-run', '--tag', ''])).toMatchObject({ code: 2, error: 'each --tag must be 1 to 64 characters' });
    expect(await runImport(['--dry-run'])).toMatchObject({ code: 2, error: expect.stringMatching(/^import takes one FILE/) });
    expect(await runImport([FIXTURES.cursor.file, '--api', 'ftp://x'])).toMatchObject({ code: 2 });
    expect(await runImport([FIXTURES.cursor.file, '--api', 'http://admin:pw@127.0.0.1:7420'], { DRIFTWATCH_API_KEY: API_KEY })).toMatchObject({ code: 2, error: expect.stringMatching(/must not carry credentials/) });
  });

  it('needs DRIFTWATCH_API_KEY to add servers, and never echoes a bad one', async () => {
    expect(await runImport([FIXTURES.cursor.file])).toMatchObject({ code: 2, error: expect.stringMatching(/^set DRIFTWATCH_API_KEY/) });
    const r = await runImport([FIXTURES.cursor.file], { DRIFTWATCH_API_KEY: 'dw_key_with\nnewline' });
    expect(r.code).toBe(2);
    expect(r.error).not.toContain('dw_key_with');
  });
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: { id: string } & Record<string, unknown>;
}

/** A stand-in for the control plane on 127.0.0.1: records requests, answers per server id. */
async function fakeApi(answer: (body: { id: string }) => { status: number; body?: string }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Seen['body'];
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const a = answer(body);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body ?? JSON.stringify({ id: body.id }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('driftwatch import (POST /v1/servers)', () => {
  it('posts each entry with the bearer key; 201 and 409 server_exists both count as success', async () => {
    const exists = JSON.stringify({ error: { code: 'server_exists', message: 'server "userjot" is already in the catalog' } });
    const api = await fakeApi((body) => (body.id === 'userjot' ? { status: 409, body: exists } : { status: 201 }));
    const dry = JSON.parse((await runImport([FIXTURES.cursor.file, '--dry-run', '-o', 'json'])).out) as { servers: Array<{ id: string }> };
    const r = await runImport([FIXTURES.cursor.file, '--api', api.url], { DRIFTWATCH_API_KEY: API_KEY });
    expect(r.code).toBe(0);
    expect(api.seen.map((s) => s.body)).toEqual(dry.servers);
    for (const s of api.seen) {
      expect(s).toMatchObject({ method: 'POST', url: '/v1/servers', authorization: `Bearer ${API_KEY}`, contentType: 'application/json' });
    }
    expect(r.out).toMatch(/^Added 3, already there 1, failed 0:$/m);
    expect(r.out).toMatch(/^ {2}exists {2}userjot$/m);
    expect(r.out).toMatch(/^ {2}added {3}openai-tools$/m);
    expect(r.out).not.toContain(API_KEY);
    for (const secret of ALL_SECRETS) expect(JSON.stringify(api.seen)).not.toContain(secret);
  });

  it('reports the API\'s error message and exits 1 when an entry fails', async () => {
    const api = await fakeApi((body) =>
      body.id === 'search'
        ? { status: 400, body: JSON.stringify({ error: { code: 'invalid_request', message: 'url: host is refused\nsecond line' } }) }
        : body.id === 'local-notes'
          ? { status: 500, body: 'upstream exploded' }
          : { status: 201 },
    );
    const r = await runImport([FIXTURES.cursor.file, '--api', `${api.url}/`, '-o', 'json'], { DRIFTWATCH_API_KEY: API_KEY });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { results: unknown[] };
    expect(report.results).toEqual([
      { id: 'openai-tools', outcome: 'added', status: 201 },
      { id: 'userjot', outcome: 'added', status: 201 },
      { id: 'search', outcome: 'failed', status: 400, message: 'HTTP 400: invalid_request: url: host is refused second line' },
      { id: 'local-notes', outcome: 'failed', status: 500, message: 'HTTP 500' },
    ]);
  });

  it('a 409 other than server_exists (a read-only or full catalog) is a failure, not "already there"', async () => {
    const readOnly = JSON.stringify({ error: { code: 'catalog_read_only', message: 'the catalog is managed by the config file (catalog: file)' } });
    const api = await fakeApi(() => ({ status: 409, body: readOnly }));
    const r = await runImport([FIXTURES.vscodeSettings.file, '--api', api.url], { DRIFTWATCH_API_KEY: API_KEY });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Added 0, already there 0, failed 2:$/m);
    expect(r.out).toContain('failed  fetch: HTTP 409: catalog_read_only: the catalog is managed by the config file (catalog: file)');
  });

  it('keeps a path prefix of --api', async () => {
    const api = await fakeApi(() => ({ status: 201 }));
    const r = await runImport([FIXTURES.vscodeSettings.file, '--api', `${api.url}/driftwatch`], { DRIFTWATCH_API_KEY: API_KEY });
    expect(r.code).toBe(0);
    expect(api.seen.map((s) => s.url)).toEqual(['/driftwatch/v1/servers', '/driftwatch/v1/servers']);
  });

  it('stops at an unreachable API: exit 1, the rest not attempted', async () => {
    const api = await fakeApi(() => ({ status: 201 }));
    await new Promise((resolve) => api.server.close(resolve));
    servers.splice(servers.indexOf(api.server), 1);
    const r = await runImport([FIXTURES.vscodeSettings.file, '--api', api.url], { DRIFTWATCH_API_KEY: API_KEY });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`failed  fetch: cannot reach ${api.url}: ECONNREFUSED`);
    expect(r.out).toContain('failed  weather: not attempted: the API could not be reached');
  });
});

describe('driftwatch import from the command line', () => {
  it('runs through bin/driftwatch.mjs, errors on stderr', async () => {
    const r = await spawnCli(['import', FIXTURES.vscodeSettings.file, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Would add \(2, approval: required\):$/m);
    const missing = await spawnCli(['import', 'nope.json', '--dry-run']);
    expect(missing).toMatchObject({ code: 2, stderr: 'driftwatch import: cannot read nope.json: no such file\n' });
  });

  it('is listed in the usage', async () => {
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      expect(await main(['help'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(printed).toContain('driftwatch import FILE [--format auto|claude-desktop|claude-code|vscode|cursor|server-json]');
    expect(printed).toContain('DRIFTWATCH_API_KEY');
  });
});
