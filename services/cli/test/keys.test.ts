import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiSettings } from '@driftwatch/core';
import { createSqliteStore } from '@driftwatch/store';
import { createAuthenticator } from '@driftwatch/api';
import { keys } from '../src/commands/keys.js';
import { CliError } from '../src/commands/common.js';
import { BIN, REPO_ROOT, tempDir } from './helpers.js';

const silent = pino({ level: 'silent' });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: CliError;
}

describe('driftwatch keys (embedded SQLite store in a temp data dir)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(() => {
    tmp = tempDir('keys');
    dataDir = join(tmp.dir, 'data');
  });
  afterEach(() => tmp.cleanup());

  async function run(...argv: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    // An empty environment: no REDIS_URL/KAFKA_BROKERS from the test runner's shell.
    const io = { stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s), env: {} };
    try {
      const code = await keys([...argv, '--data-dir', dataDir], io);
      return { code, stdout, stderr };
    } catch (err) {
      if (err instanceof CliError) return { code: err.exitCode, stdout, stderr, error: err };
      throw err;
    }
  }

  it('create prints only the token on stdout; list shows the key without its hash; revoke refuses it', async () => {
    const created = await run('create', '--scope', 'operate', '--name', 'ops-bot', '--owner', 'team-sre', '--expires', '30d');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^dw_k_[a-z2-7]{16}_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();
    const id = token.slice(3, 21);
    expect(created.stderr).toContain(`created API key ${id} "ops-bot" (scope operate, owner team-sre`);
    expect(created.stderr).not.toContain(token);

    const listed = await run('list');
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+STATUS\s+EXPIRES\s+OWNER$/);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ops-bot\\s+operate\\s+active\\s+\\S+\\s+team-sre`));
    const json = JSON.parse((await run('list', '--json')).stdout) as { keys: Array<Record<string, unknown>> };
    expect(json.keys).toHaveLength(1);
    expect(json.keys[0]).toMatchObject({ id, name: 'ops-bot', scope: 'operate', status: 'active', createdBy: expect.stringMatching(/^cli:/) });
    expect(JSON.stringify(json)).not.toMatch(/scrypt|salt|hash/);

    // The token works against the same store, until it is revoked.
    const verify = async () => {
      const store = await createSqliteStore({ dir: dataDir, logger: silent });
      const auth = createAuthenticator({ store, settings: ApiSettings.parse({}), now: () => new Date(), logger: silent });
      try {
        return await auth.authenticate(`Bearer ${token}`).then((p) => p?.scope, (e: { code: string }) => e.code);
      } finally {
        await auth.close();
        await store.close();
      }
    };
    expect(await verify()).toBe('operate');
    const revoked = await run('revoke', id, '--reason', 'rotated');
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`revoked API key ${id} "ops-bot"`) });
    expect(await verify()).toBe('revoked_credential');
    expect((await run('list')).stdout).toMatch(new RegExp(`${id}\\s+ops-bot\\s+operate\\s+revoked`));

    const again = await run('revoke', id);
    expect(again.code).toBe(1);
    expect(again.error?.message).toContain('already revoked');
    expect((await run('revoke', 'k_cccccccccccccccc')).error?.message).toContain('no API key');
  });

  it('refuses bad input with exit code 2 and a message naming the problem', async () => {
    expect((await run('create', '--scope', 'operate', '--name', 'x')).error?.message).toContain('needs --expires');
    expect((await run('create', '--scope', 'root', '--name', 'x', '--expires', '1d')).error?.message).toContain('scope');
    const tooLong = await run('create', '--scope', 'read', '--name', 'x', '--expires', '999d');
    expect(tooLong).toMatchObject({ code: 2 });
    expect(tooLong.error?.message).toContain('at most 400 days');
    expect((await run('list', '--scope', 'read')).error?.message).toContain('does not take --scope');
    expect((await run('revoke')).code).toBe(2);
    expect((await run('frobnicate')).error?.message).toContain('unknown subcommand');
    expect((await run('list')).stdout).toBe('no API keys\n');
  });

  it('refuses, in one line, while the data dir is in use by a running driftwatch', async () => {
    const running = await createSqliteStore({ dir: dataDir, logger: silent }); // holds the LOCK, as `driftwatch start` does
    try {
      for (const [argv, api] of [
        [['list'], 'GET /v1/keys'],
        [['create', '--scope', 'read', '--name', 'x', '--expires', '1d'], 'POST /v1/keys'],
        [['revoke', 'k_aaaaaaaaaaaaaaaa'], 'DELETE /v1/keys/ID'],
      ] as const) {
        const r = await run(...argv);
        expect(r.code).toBe(1);
        expect(r.error?.message).toMatch(new RegExp(`^driftwatch is running on this data dir \\(pid \\d+\\): .*; stop it or use ${api.replace(/\//g, '\\/')} with an admin key$`));
      }
      expect(await running.listApiKeys()).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it('refuses half a distributed environment', async () => {
    let stderr = '';
    const err = await keys(['list'], { stdout: () => undefined, stderr: (s) => void (stderr += s), env: { REDIS_URL: 'redis://127.0.0.1:6379' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toContain('set both KAFKA_BROKERS and REDIS_URL');
  });
});

describe('driftwatch keys as a user runs it', () => {
  it('$(driftwatch keys create …) captures only the token', async () => {
    const tmp = tempDir('keys-bin');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_DATA_DIR: join(tmp.dir, 'data') };
      delete env.REDIS_URL;
      delete env.KAFKA_BROKERS;
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun, reject) => {
        const child = spawn(process.execPath, [BIN, 'keys', 'create', '--scope', 'read', '--name', 'dashboard', '--expires', '12h'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolveRun({ code, stdout, stderr }));
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^dw_k_[a-z2-7]{16}_[A-Za-z0-9_-]{43}\n$/);
      expect(r.stderr).toContain('"dashboard" (scope read');
    } finally {
      tmp.cleanup();
    }
  });
});
