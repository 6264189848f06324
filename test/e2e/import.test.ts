import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftwatchConfig } from '@driftwatch/core';
import { startApp, type App } from '@driftwatch/cli';
import { createKey } from '@driftwatch/api';
import { ALL_SECRETS, FIXTURES, fixtureText } from '../../services/cli/test/import/fixtures.js';
import { ROOT, quietLogger, removeTempDirs, tempDir } from './helpers.js';

/*
 * `driftwatch import` as a user runs it (the real binary, a real key in its environment) against
 * a real embedded deployment's API: every fixture in test/fixtures/import/.
 */

const BIN = join(ROOT, 'services', 'cli', 'bin', 'driftwatch.mjs');
const CONFIG = DriftwatchConfig.parse({ catalog: 'api', allowPrivateNetwork: true, servers: [] });

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface ImportReport {
  servers: Array<{ id: string; approval?: string }>;
  results: Array<{ id: string; outcome: 'added' | 'exists' | 'failed'; status?: number; message?: string }>;
}

interface ServerView {
  id: string;
  approval: string;
}

function runCli(args: string[], apiKey: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // Only what the CLI needs: no variable of this process (nor a real key) leaks into the run.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DRIFTWATCH_API_KEY: apiKey };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('driftwatch import against the real API (embedded deployment)', () => {
  const dir = tempDir('import-e2e');
  let app: App;
  let api: string;
  let admin: string;
  let reader: string;

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  }

  async function listed(): Promise<ServerView[]> {
    const res = await call('GET', '/v1/servers', admin);
    expect(res.status).toBe(200);
    return res.body.servers as ServerView[];
  }

  async function key(name: string, scope: 'admin' | 'read'): Promise<string> {
    const created = await createKey({ store: app.store, now: () => new Date(), logger: quietLogger() }, { name, scope, expires: '1h' }, 'e2e');
    return created.token;
  }

  beforeAll(async () => {
    app = await startApp({
      roles: ['poller', 'differ', 'responder', 'api'],
      config: CONFIG,
      logger: quietLogger(),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      instanceId: 'embedded-import',
      signals: null,
    });
    // The fixtures name real public servers and `npx` packages: polling them would reach beyond
    // this machine. This test is about the catalog API, so the poller stops before anything is added.
    await app.poller?.close();
    api = `http://127.0.0.1:${app.port}`;
    admin = await key('e2e-import-admin', 'admin');
    reader = await key('e2e-import-reader', 'read');
  });

  afterAll(async () => {
    await app?.close();
    removeTempDirs();
  });

  it('the fixtures hold the credentials the no-leak checks below look for', () => {
    for (const fixture of Object.values(FIXTURES)) {
      const text = fixtureText(fixture.file);
      for (const secret of fixture.secrets) expect(text).toContain(secret);
    }
    expect(ALL_SECRETS.length).toBeGreaterThanOrEqual(14);
  });

  for (const [name, fixture] of Object.entries(FIXTURES)) {
    it(`${name}: adds its servers pending approval; a second import finds them there (409), exit 0 both times`, async () => {
      const before = new Set((await listed()).map((s) => s.id));
      const first = await runCli(['import', fixture.file, '--api', api, '--output', 'json'], admin);
      expect(first.code, first.stderr || first.stdout).toBe(0);
      const report = JSON.parse(first.stdout) as ImportReport;
      expect(report.servers.length).toBeGreaterThan(0);
      // An id another fixture added already is "already there": the catalog keeps the first one.
      expect(report.results).toEqual(
        report.servers.map((s) => (before.has(s.id) ? { id: s.id, outcome: 'exists', status: 409 } : { id: s.id, outcome: 'added', status: 201 })),
      );
      const after = new Map((await listed()).map((s) => [s.id, s]));
      for (const s of report.servers) expect(after.get(s.id), s.id).toMatchObject({ id: s.id, approval: 'required' });
      expect(after.size).toBe(new Set([...before, ...report.servers.map((s) => s.id)]).size);

      const again = await runCli(['import', fixture.file, '--api', api], admin);
      expect(again.code, again.stderr || again.stdout).toBe(0);
      const n = report.servers.length;
      expect(again.stdout).toContain(`Added 0, already there ${n}, failed 0:`);
      for (const s of report.servers) expect(again.stdout).toMatch(new RegExp(`^ {2}exists +${s.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect((await listed()).length).toBe(after.size);

      for (const out of [first.stdout, first.stderr, again.stdout, again.stderr]) {
        for (const secret of ALL_SECRETS) expect(out, `${name}: CLI output`).not.toContain(secret);
      }
    });
  }

  it('keeps no credential written in a fixture: not in the API, not in the store', async () => {
    const servers = await listed();
    // Every fixture was imported: the check below covers all their servers.
    expect(servers.length).toBeGreaterThanOrEqual(20);
    const api = JSON.stringify(servers);
    const one = await Promise.all(servers.map((s) => call('GET', `/v1/servers/${encodeURIComponent(s.id)}`, admin)));
    const stored = JSON.stringify(await app.store.listCatalog());
    // The store has the whole entries (commands, env, headers as references), not just the views.
    expect(stored).toContain('${GITHUB_PERSONAL_ACCESS_TOKEN}');
    // And nothing was polled: the test reached no server beyond this machine.
    expect((await app.metrics.snapshotsPublishedTotal.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    for (const secret of ALL_SECRETS) {
      expect(api, 'GET /v1/servers').not.toContain(secret);
      expect(JSON.stringify(one), 'GET /v1/servers/{id}').not.toContain(secret);
      expect(stored, 'the store').not.toContain(secret);
    }
  });

  it('with a read-scoped key, fails with exit 1 and the API\'s message, and adds nothing', async () => {
    const before = await listed();
    const file = FIXTURES.cursor.file;
    // What the API answers this key for one of the file's servers, asked directly.
    const direct = await call('POST', '/v1/servers', reader, { id: 'read-key-probe', transport: 'http', url: 'https://read.example.com/mcp' });
    expect(direct.status).toBe(403);
    const { code, message } = direct.body.error as { code: string; message: string };
    expect(message.length).toBeGreaterThan(0);

    const run = await runCli(['import', file, '--api', api], reader);
    expect(run.code, run.stderr || run.stdout).toBe(1);
    const report = JSON.parse((await runCli(['import', file, '--api', api, '--output', 'json'], reader)).stdout) as ImportReport;
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.every((r) => r.outcome === 'failed' && r.status === 403 && r.message === `HTTP 403: ${code}: ${message}`)).toBe(true);
    expect(run.stdout).toContain(`Added 0, already there 0, failed ${report.results.length}:`);
    expect(run.stdout).toContain(`failed  ${report.results[0]!.id}: HTTP 403: ${code}: ${message}`);
    for (const secret of ALL_SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
    expect(await listed()).toEqual(before);
  });
});
