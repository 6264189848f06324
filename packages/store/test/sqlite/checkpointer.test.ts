import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, createSqliteStore } from '../../src/index.js';
import { startCheckpointer } from '../../src/sqlite/checkpointer.js';
import { eventually } from '../../../../test/support/embedded.js';
import { silent } from './harness.js';

const MiB = 1024 * 1024;

describe('sqlite checkpointer', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-ckpt-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('leaves a large commit in the WAL, and folds it into the database file from its own thread', async () => {
    const dir = await tempDir();
    const store = await createSqliteStore({ dir, logger: silent, maintenanceIntervalMs: 0 });
    cleanup.push(() => store.close());
    const before = (await stat(join(dir, DB_FILE))).size;
    await store.putLatestSnapshotJson('big', { fingerprint: 'f', json: JSON.stringify({ text: 'x'.repeat(8 * MiB) }) });
    // SQLite's automatic checkpoint would have copied the 8 MiB into the file inside the commit.
    expect((await stat(join(dir, DB_FILE))).size - before).toBeLessThan(MiB);
    expect((await stat(join(dir, `${DB_FILE}-wal`))).size).toBeGreaterThan(8 * MiB);
    const after = await eventually(async () => {
      const { size } = await stat(join(dir, DB_FILE));
      return size > 8 * MiB && size;
    });
    expect(after).toBeGreaterThan(8 * MiB);
    expect((await store.getLatestSnapshotJson('big'))?.json.length).toBeGreaterThan(8 * MiB);
  });

  it('gives the writer its automatic checkpoint back when the thread cannot run', async () => {
    const dir = await tempDir();
    const db = new Database(join(dir, 'w.db'));
    cleanup.push(async () => db.close());
    db.pragma('journal_mode = WAL');
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    // The thread's connection refuses a file that does not exist.
    const checkpointer = startCheckpointer(db, join(dir, 'missing.db'), 1_000, log);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    cleanup.push(() => checkpointer.close());
    expect(await eventually(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1_000 && 1_000)).toBe(1_000);
    expect(warnings.join('')).toMatch(/checkpoint thread stopped/);
  });
});
