import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, open as openFile, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import { DB_FILE, StoreCorruptError, StoreLockedError, createSqliteStore, type SqliteStoreOptions, type StatePort } from '../../src/index.js';
import { apiKeyRecord } from '../api-keys-contract.js';
import { drain } from '../event-contract.js';
import { action, at, baseline, snapshot, storedAlert } from '../fixtures/builders.js';
import { incident } from '../incidents-contract.js';
import { rejection } from '../tool-rejections-contract.js';
import { silent } from './harness.js';

/** The fixtures' clock: with the real one, their 2025 audit entries may be past the retention already. */
const now = () => new Date(Date.parse(at(0)) + 24 * 3600 * 1000);

describe('sqlite store: durability', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-dur-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  async function open(dir: string, extra: Partial<SqliteStoreOptions> = {}): Promise<StatePort> {
    const store = await createSqliteStore({ dir, logger: silent, now, maintenanceIntervalMs: 0, ...extra });
    cleanup.push(() => store.close());
    return store;
  }

  const key = apiKeyRecord();
  const entry = CatalogEntry.parse({ id: 'cat-1', transport: 'stdio', command: 'node', env: { TOKEN: '${TOKEN}' } });

  async function writeEverything(store: StatePort): Promise<string> {
    const start = (await store.readEvents(null, 1)).next;
    await store.updateServerState('s1', { reachable: true, baselineFingerprint: 'fp1', lastPollAt: at(1) });
    await store.putLatestSnapshot(snapshot('s1'));
    await store.putBaseline(baseline('s1'));
    const s3 = snapshot('s3', { pollId: 'as-text' });
    await store.putLatestSnapshotJson('s3', { fingerprint: s3.fingerprints.snapshot, json: JSON.stringify(s3) });
    await store.putOpenFindings('s1', { k: { alertId: 'a1', evidenceFingerprint: 'e', severity: 'high', kind: 'tool.added', subject: 'rm' } });
    await store.insertAlert(storedAlert({ id: 'a1', timeMs: 1 }));
    await store.insertAlert(storedAlert({ id: 'a2', timeMs: 2, subject: 'x', status: 'resolved' }));
    await store.quarantine('s1', { reason: 'poisoned', actor: 'policy', at: at(3) });
    await store.quarantine('s2', { reason: 'temp', actor: 'policy', at: at(3) });
    await store.release('s2');
    await store.claimOnce('page:a1', 3_600_000);
    await store.appendAudit(action('s1', 4));
    await store.appendAudit(action('s2', 5, 'release'));
    await store.putApiKey(key);
    await store.putToolRejection(rejection('s1', 'send', 'fp-1'));
    await store.putCatalogEntry(entry);
    await store.markCatalogSeeded(at(6));
    const inc = (await store.putIncident(incident('s1', 0), 0))!;
    await store.putSilence({ id: 'sil', matchers: { serverId: 's1' }, author: 'a', comment: 'c', startsAt: inc.openedAt, endsAt: inc.openedAt, createdAt: inc.openedAt });
    return start;
  }

  async function expectEverything(store: StatePort, start: string): Promise<void> {
    expect(await store.getServerState('s1')).toMatchObject({ reachable: true, baselineFingerprint: 'fp1', quarantine: { reason: 'poisoned' } });
    expect((await store.getLatestSnapshot('s1'))?.instructions).toBe('Use the echo tool.  \u200b\n');
    expect((await store.getBaseline('s1'))?.approvedBy).toBe('alice');
    expect((await store.getLatestSnapshot('s3'))?.pollId).toBe('as-text');
    expect(Object.keys(await store.getOpenFindings('s1'))).toEqual(['k']);
    expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['a2', 'a1']);
    expect((await store.getOpenAlertByDedupKey(storedAlert({ id: 'a1' }).alert.dedupKey))?.alert.id).toBe('a1');
    expect(await store.countQuarantined()).toBe(1);
    expect(await store.getQuarantine('s2')).toBeNull();
    expect(await store.claimOnce('page:a1', 1000)).toBe(false);
    expect((await store.listAudit()).map((a) => a.reason)).toEqual(['reason 5', 'reason 4']);
    expect(await store.getApiKey(key.id)).toEqual(key);
    expect((await store.listToolRejections()).map((r) => r.fingerprint)).toEqual(['fp-1']);
    expect(await store.listCatalog()).toEqual([entry]);
    expect(await store.catalogSeededAt()).toBe(at(6));
    expect((await store.listIncidentsNeedingAttention()).map((r) => r.serverId)).toEqual(['s1']);
    expect((await store.listSilences()).map((s) => s.id)).toEqual(['sil']);
    expect((await drain(store, start)).events.map((e) => e.type)).toEqual(['status', 'alert', 'alert', 'status', 'status', 'status', 'action', 'action', 'incident']);
    expect((await store.verifyAuditChain!()).ok).toBe(true);
  }

  it('a reopen keeps everything, and the event ids go on increasing', async () => {
    const dir = await tempDir();
    const a = await createSqliteStore({ dir, logger: silent, now });
    const start = await writeEverything(a);
    const lastBefore = (await a.readEvents(null, 1)).next;
    await a.close();
    expect(a.isReady()).toBe(false);
    await expect(a.putBaseline(baseline('s9'))).rejects.toThrow(/closed/);
    // A clean stop leaves one self-contained file: the WAL was folded in.
    expect(existsSync(join(dir, `${DB_FILE}-wal`))).toBe(false);
    const b = await open(dir);
    await expectEverything(b, start);
    const id = await b.appendEvent({ type: 'status', serverId: 's9', data: { from: 'pending', to: 'ok' } });
    expect(Number(id)).toBe(Number(lastBefore) + 1);
  });

  it('a write that fails inside a group commit undoes only itself', async () => {
    const dir = await tempDir();
    const a = await createSqliteStore({ dir, logger: silent, now });
    const results = await Promise.allSettled([
      a.insertAlert(storedAlert({ id: 'kept-1', timeMs: 1 })),
      a.putToolRejection({ ...rejection('s1', 'send', 'fp'), at: 'not a time' }),
      a.putCatalogEntry({ id: 'bad id!' } as never),
      a.quarantine('s1', { reason: 'kept', actor: 'policy', at: at(2) }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    await a.close();
    const b = await open(dir);
    expect(await b.getAlert('kept-1')).not.toBeNull();
    expect(await b.getQuarantine('s1')).toMatchObject({ reason: 'kept' });
    expect(await b.listToolRejections()).toEqual([]);
  });

  it('refuses a second opener of the same directory in this process, and a failed open releases it', async () => {
    const dir = await tempDir();
    const a = await createSqliteStore({ dir, logger: silent });
    await expect(createSqliteStore({ dir, logger: silent })).rejects.toBeInstanceOf(StoreLockedError);
    await a.close();
    await writeFile(join(dir, DB_FILE), 'not a database at all, just text that is long enough to fill a header'.repeat(100));
    await expect(createSqliteStore({ dir, logger: silent })).rejects.toBeInstanceOf(StoreCorruptError);
    // The refusal released the lock: a repaired directory opens.
    await unlink(join(dir, DB_FILE));
    await unlink(join(dir, 'driftwatch-store.json'));
    await open(dir);
  });

  it('keeps only the most recent alerts, dropping resolved ones first', async () => {
    const dir = await tempDir();
    const s = await open(dir, { maxAlerts: 4 });
    await s.insertAlert(storedAlert({ id: 'open-old', timeMs: 1, subject: 'o' }));
    for (let i = 2; i <= 6; i++) await s.insertAlert(storedAlert({ id: `r${i}`, timeMs: i, subject: `r${i}`, status: 'resolved' }));
    expect((await s.listAlerts()).map((a) => a.alert.id)).toEqual(['r6', 'r5', 'r4', 'open-old']);
    expect(await s.getOpenAlertByDedupKey(storedAlert({ subject: 'o' }).alert.dedupKey)).not.toBeNull();
  });

  it('checks options up front', async () => {
    const dir = await tempDir();
    await expect(createSqliteStore({ dir, logger: silent, maxAlerts: 0 })).rejects.toThrow(/maxAlerts/);
    await expect(createSqliteStore({ dir, logger: silent, auditRetentionDays: 0 })).rejects.toThrow(/auditRetentionDays/);
  });

  describe('refuses damaged state with StoreCorruptError naming the file, never a partial load', () => {
    /** A store with a few hundred rows and a large snapshot (several pages), closed cleanly. */
    async function populated(): Promise<string> {
      const dir = await tempDir();
      const a = await createSqliteStore({ dir, logger: silent, now });
      await writeEverything(a);
      const big = snapshot('big', { instructions: 'x'.repeat(300_000) });
      await a.putLatestSnapshot(big);
      await Promise.all(Array.from({ length: 300 }, (_, i) => a.insertAlert(storedAlert({ id: `bulk-${i}`, timeMs: 100 + i, subject: `t${i}` }))));
      await a.close();
      return dir;
    }
    async function refusal(dir: string): Promise<StoreCorruptError> {
      const err = await createSqliteStore({ dir, logger: silent, now }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect((err as StoreCorruptError).file).toBe(join(dir, DB_FILE));
      return err as StoreCorruptError;
    }

    it('the database file cut short', async () => {
      const dir = await populated();
      const size = (await stat(join(dir, DB_FILE))).size;
      await truncate(join(dir, DB_FILE), Math.floor(size / 2 / 4096) * 4096);
      expect((await refusal(dir)).message).toMatch(/integrity check failed|damaged|malformed/);
    });

    it('the database file emptied', async () => {
      const dir = await populated();
      await truncate(join(dir, DB_FILE), 0);
      expect((await refusal(dir)).message).toMatch(/empty \(0 bytes\)/);
    });

    it('the database file deleted', async () => {
      const dir = await populated();
      await unlink(join(dir, DB_FILE));
      expect((await refusal(dir)).message).toMatch(/missing/);
    });

    it('a page overwritten with garbage', async () => {
      const dir = await populated();
      const path = join(dir, DB_FILE);
      const db = new Database(path, { readonly: true });
      // A page of the alerts table's b-tree (not an overflow page of snapshot text).
      const page = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'alerts_by_time'").get() as { rootpage: number }).rootpage;
      db.close();
      const fh = await openFile(path, 'r+');
      await fh.write(Buffer.alloc(512, 0xa5), 0, 512, (page - 1) * 4096 + 8);
      await fh.close();
      await refusal(dir);
    });

    it('a file that is not SQLite in place of the database', async () => {
      const dir = await populated();
      await writeFile(join(dir, DB_FILE), Buffer.alloc(64 * 1024, 0x41));
      await refusal(dir);
    });

    it('a different database swapped in', async () => {
      const dir = await populated();
      const other = await tempDir();
      await (await createSqliteStore({ dir: other, logger: silent })).close();
      await writeFile(join(dir, DB_FILE), await readFile(join(other, DB_FILE)));
      expect((await refusal(dir)).message).toMatch(/not the database this data directory was created with/);
    });
  });

  describe('across processes', () => {
    const writer = fileURLToPath(new URL('../fixtures/sqlite-writer.ts', import.meta.url));
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });

    function runWriter(dir: string, n: number, mode: 'hold' | 'crash'): Promise<ChildProcess> {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(n), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('written')) resolve(child);
        });
        child.on('exit', (code, signal) => {
          if (mode === 'crash' && signal === 'SIGKILL') resolve(child);
          else reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
        });
      });
    }

    it('a live process holding the directory makes a second opener fail with its pid', async () => {
      const dir = await tempDir();
      const child = await runWriter(dir, 5, 'hold');
      const err = await createSqliteStore({ dir, logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as StoreLockedError).holderPid).toBe(child.pid);
    });

    it('nothing acknowledged is lost when the process is killed (kill -9), and its stale lock is taken over', async () => {
      const dir = await tempDir();
      const child = await runWriter(dir, 300, 'crash');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
      // Killed: the WAL still holds the commits; opening recovers them.
      expect(readdirSync(dir)).toContain(`${DB_FILE}-wal`);
      const store = await open(dir);
      expect(await store.listAlerts({ limit: 1000 })).toHaveLength(300);
      expect(await store.getQuarantine('crashed-srv')).toMatchObject({ reason: 'before crash' });
    });
  });
});
