import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { DB_FILE, createFileStore, createSqliteStore, type StatePort } from '@driftwatch/store';
import { audit } from '../src/commands/audit.js';
import { backup, restore } from '../src/commands/backup.js';
import { keys } from '../src/commands/keys.js';
import { CliError } from '../src/commands/common.js';
import type { StoreCommandIo } from '../src/commands/store-files.js';
import { BIN, REPO_ROOT, tempDir } from './helpers.js';

const silent = pino({ level: 'silent' });
// The SQLite driver the store uses, to tamper with its database the way a SQLite shell would.
const Database = createRequire(join(REPO_ROOT, 'packages/store/package.json'))('better-sqlite3') as new (path: string) => {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  close(): void;
};

function act(i: number): Action {
  return { id: `act-${i}`, type: 'action', version: 1, time: new Date(Date.now() - (10 - i) * 1000).toISOString(), serverId: 'mail', action: 'quarantine', actor: 'policy', reason: `reason ${i}` };
}

interface Run {
  code: number;
  stdout: string;
  error?: string;
}

async function runCommand(command: (argv: string[], io: StoreCommandIo) => Promise<number>, ...argv: string[]): Promise<Run> {
  let stdout = '';
  // An empty environment: no REDIS_URL/KAFKA_BROKERS from the test runner's shell.
  const io: StoreCommandIo = { stdout: (s) => void (stdout += s), stderr: () => undefined, env: {} };
  try {
    return { code: await command(argv, io), stdout };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, stdout, error: err.message };
    throw err;
  }
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

describe('driftwatch backup / restore / audit verify (embedded SQLite store)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(async () => {
    tmp = tempDir('store-cmd');
    dataDir = join(tmp.dir, 'data');
    const store = await createSqliteStore({ dir: dataDir, logger: silent });
    for (let i = 0; i < 5; i++) await store.appendAudit(act(i));
    await store.quarantine('mail', { reason: 'poisoned', actor: 'policy', at: new Date().toISOString() });
    await store.close();
  });
  afterEach(() => tmp.cleanup());

  it('backs up while the store is open, and restores the copy into another data directory', async () => {
    const running: StatePort = await createSqliteStore({ dir: dataDir, logger: silent });
    const file = join(tmp.dir, 'backup.db');
    try {
      await running.appendAudit(act(7)); // committed before the backup starts
      const r = await runCommand(backup, file, '--data-dir', dataDir);
      expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining(`to ${file} (`) });
      expect((await runCommand(backup, file, '--data-dir', dataDir)).error).toMatch(/already exists/);
      // Restoring over the running store's directory is refused: it holds the directory.
      const refused = await runCommand(restore, file, '--data-dir', dataDir);
      expect(refused.code).toBe(1);
      expect(refused.error).toMatch(/in use by another Driftwatch process|data directory/);
    } finally {
      await running.close();
    }
    const elsewhere = join(tmp.dir, 'restored');
    const restored = await runCommand(restore, file, '--data-dir', elsewhere);
    expect(restored.code).toBe(0);
    const store = await createSqliteStore({ dir: elsewhere, logger: silent });
    try {
      expect(await store.getQuarantine('mail')).toMatchObject({ reason: 'poisoned' });
      expect((await store.listAudit()).map((a) => a.id)).toEqual(['act-7', 'act-4', 'act-3', 'act-2', 'act-1', 'act-0']);
      expect((await store.verifyAuditChain!()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('restore replaces a damaged database and sets it aside', async () => {
    const file = join(tmp.dir, 'backup.db');
    expect((await runCommand(backup, file, '--data-dir', dataDir)).code).toBe(0);
    truncateSync(join(dataDir, DB_FILE), 0);
    await expect(createSqliteStore({ dir: dataDir, logger: silent })).rejects.toThrow(/empty \(0 bytes\)/);
    const r = await runCommand(restore, file, '--data-dir', dataDir);
    expect(r.stdout).toMatch(/the database it replaced is at .*before-restore/);
    const store = await createSqliteStore({ dir: dataDir, logger: silent });
    expect(await store.countQuarantined()).toBe(1);
    await store.close();
    expect((await runCommand(restore, join(tmp.dir, 'nope.db'), '--data-dir', dataDir)).code).toBe(4);
  });

  it('audit verify: 0 when the chain holds, 1 naming the first bad record, 4 for a refused database', async () => {
    const ok = await runCommand(audit, 'verify', '--data-dir', dataDir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit trail OK .*: 5 records verified; head 5:[0-9a-f]{64}/);
    const db = new Database(join(dataDir, DB_FILE));
    db.prepare("UPDATE audit_log SET action = replace(action, 'reason 3', 'reason X') WHERE seq = 4").run();
    db.close();
    const bad = await runCommand(audit, 'verify', '--data-dir', dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^audit trail BROKEN .* at record 4 \(action act-3, server mail, [^)]+\): content altered/);
    const json = JSON.parse((await runCommand(audit, 'verify', '--data-dir', dataDir, '--json')).stdout) as { ok: boolean; firstBreak: { seq: number } };
    expect(json).toMatchObject({ ok: false, firstBreak: { seq: 4 } });
    writeFileSync(join(dataDir, DB_FILE), Buffer.alloc(8192, 7));
    const refused = await runCommand(audit, 'verify', '--data-dir', dataDir);
    expect(refused.code).toBe(4);
    expect(refused.error).toContain(join(dataDir, DB_FILE));
    expect((await runCommand(audit, 'check')).code).toBe(2);
  });

  it('audit verify: a quarantine row removed behind the store is named, though the chain is intact', async () => {
    const db = new Database(join(dataDir, DB_FILE));
    db.prepare("DELETE FROM quarantines WHERE server_id = 'mail'").run();
    db.close();
    const r = await runCommand(audit, 'verify', '--data-dir', dataDir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/chain intact .*5 records verified; but the quarantine state disagrees with it:\n  server mail \(action act-4\): the trail's last word is a quarantine \(record 5\), but the server is not quarantined/);
  });

  it('driftwatch start refuses a damaged database in one line naming the file, with exit code 4', async () => {
    const config = join(tmp.dir, 'driftwatch.yaml');
    writeFileSync(config, 'servers: []\n');
    truncateSync(join(dataDir, DB_FILE), 0);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.REDIS_URL;
    delete env.KAFKA_BROKERS;
    const r = await spawnCli(['start', '--config', config, '--data-dir', dataDir, '--port', '0'], env);
    expect(r.code).toBe(4);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^driftwatch: refusing to start: ${join(dataDir, DB_FILE).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: empty \\(0 bytes\\)`));
    expect(existsSync(join(dataDir, 'admin.key'))).toBe(false);
  });
});

describe('an existing file-store data directory under the SQLite store', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('store-import');
  });
  afterEach(() => tmp.cleanup());

  async function fileStoreDir(): Promise<string> {
    const dir = join(tmp.dir, 'data');
    const fs = await createFileStore({ dir, logger: silent });
    await fs.quarantine('mail', { reason: 'poisoned before the upgrade', actor: 'policy', at: new Date().toISOString() });
    await fs.appendAudit(act(1));
    await fs.close();
    return dir;
  }

  it('is imported once by the first command that opens it, and its files are set aside', async () => {
    const dir = await fileStoreDir();
    let stderr = '';
    const created = await keys(['create', '--scope', 'read', '--name', 'after-upgrade', '--expires', '1d', '--data-dir', dir], {
      stdout: () => undefined,
      stderr: (s) => void (stderr += s),
      env: {},
    });
    expect(created).toBe(0);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining([DB_FILE, 'journal.jsonl.imported']));
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
    const store = await createSqliteStore({ dir, logger: silent });
    try {
      expect(await store.getQuarantine('mail')).toMatchObject({ reason: 'poisoned before the upgrade' });
      expect((await store.listAudit()).map((a) => a.action)).toEqual(['key.create', 'quarantine']);
      expect((await store.verifyAuditChain!()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('is refused, with exit code 4 and nothing changed, when a journal line is missing', async () => {
    const dir = await fileStoreDir();
    const journal = join(dir, 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, [lines[0], ...lines.slice(2)].join('\n'));
    const r = await runCommand(audit, 'verify', '--data-dir', dir);
    expect(r.code).toBe(4);
    const config = join(tmp.dir, 'driftwatch.yaml');
    writeFileSync(config, 'servers: []\n');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.REDIS_URL;
    delete env.KAFKA_BROKERS;
    const started = await spawnCli(['start', '--config', config, '--data-dir', dir, '--port', '0'], env);
    expect(started.code).toBe(4);
    expect(started.stderr.trim().split('\n')).toHaveLength(1);
    expect(started.stderr).toMatch(/^driftwatch: refusing to start: .*journal\.jsonl: line 2 holds record 3 where record 2 was expected/);
    expect(existsSync(join(dir, DB_FILE))).toBe(false);
  });
});
