import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import { DB_FILE, StoreCorruptError, createFileStore, createSqliteStore, type StatePort } from '../../src/index.js';
import { apiKeyRecord } from '../api-keys-contract.js';
import { drain } from '../event-contract.js';
import { action, at, baseline, captureLogger, snapshot, storedAlert } from '../fixtures/builders.js';
import { incident } from '../incidents-contract.js';
import { rejection } from '../tool-rejections-contract.js';
import { silent } from './harness.js';

const now = () => new Date(Date.parse(at(0)) + 24 * 3600 * 1000);

describe('sqlite store: one-time import of a file-store data directory', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-import-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  async function openSqlite(dir: string, logger = silent): Promise<StatePort> {
    const store = await createSqliteStore({ dir, logger, now, maintenanceIntervalMs: 0 });
    cleanup.push(() => store.close());
    return store;
  }

  const key = apiKeyRecord();
  const entry = CatalogEntry.parse({ id: 'cat-1', transport: 'stdio', command: 'node' });

  /** A file store with every kind of record; `compacted`: reopened once so part of it is in state.jsonl. */
  async function fileStoreDir(compacted: boolean): Promise<{ dir: string; start: string; events: string[] }> {
    const dir = await tempDir();
    let fs = await createFileStore({ dir, logger: silent, now });
    const start = (await fs.readEvents(null, 1)).next;
    await fs.updateServerState('s1', { reachable: true, baselineFingerprint: 'fp1' });
    await fs.putLatestSnapshot(snapshot('s1'));
    await fs.putBaseline(baseline('s1'));
    await fs.putOpenFindings('s1', { k: { alertId: 'a1', evidenceFingerprint: 'e', severity: 'high', kind: 'tool.added', subject: 'rm' } });
    await fs.insertAlert(storedAlert({ id: 'a1', timeMs: 1 }));
    await fs.insertAlert(storedAlert({ id: 'a2', timeMs: 2, subject: 'x', status: 'resolved' }));
    await fs.quarantine('s1', { reason: 'poisoned', actor: 'policy', at: at(3) });
    await fs.claimOnce('page:a1', 3_600_000);
    for (let i = 0; i < 5; i++) await fs.appendAudit(action(i % 2 ? 's2' : 's1', 10 + i));
    await fs.putApiKey(key);
    await fs.putToolRejection(rejection('s1', 'send', 'fp-1'));
    await fs.putCatalogEntry(entry);
    await fs.markCatalogSeeded(at(6));
    await fs.putIncident(incident('s1', 0), 0);
    if (compacted) {
      await fs.close();
      fs = await createFileStore({ dir, logger: silent, now }); // folds the journal into state.jsonl
      await fs.quarantine('s3', { reason: 'after compaction', actor: 'policy', at: at(7) });
      await fs.appendAudit(action('s3', 20, 'quarantine'));
    }
    const events = (await drain(fs, start)).events.map((e) => e.id);
    await fs.close();
    return { dir, start, events };
  }

  for (const compacted of [false, true]) {
    it(`carries every record over, with event ids, and sets the old files aside (${compacted ? 'state file + journal' : 'journal only'})`, async () => {
      const { dir, start, events } = await fileStoreDir(compacted);
      const cap = captureLogger();
      const store = await openSqlite(dir, cap.logger);
      expect(cap.lines().some((l) => String(l.msg).includes('one-time import'))).toBe(true);
      expect(await store.getServerState('s1')).toMatchObject({ reachable: true, baselineFingerprint: 'fp1', quarantine: { reason: 'poisoned' } });
      expect((await store.getLatestSnapshot('s1'))?.instructions).toBe('Use the echo tool.  \u200b\n');
      expect((await store.getBaseline('s1'))?.approvedBy).toBe('alice');
      expect(Object.keys(await store.getOpenFindings('s1'))).toEqual(['k']);
      expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['a2', 'a1']);
      expect((await store.getOpenAlertByDedupKey(storedAlert({ id: 'a1' }).alert.dedupKey))?.alert.id).toBe('a1');
      expect(await store.isClaimed('page:a1')).toBe(true);
      expect(await store.listAudit()).toHaveLength(compacted ? 6 : 5);
      expect(await store.getApiKey(key.id)).toEqual(key);
      expect((await store.listToolRejections()).map((r) => r.tool)).toEqual(['send']);
      expect(await store.listCatalog()).toEqual([entry]);
      expect(await store.catalogSeededAt()).toBe(at(6));
      expect((await store.listIncidents()).map((r) => r.serverId)).toEqual(['s1']);
      expect(await store.countQuarantined()).toBe(compacted ? 2 : 1);
      expect((await drain(store, start)).events.map((e) => e.id)).toEqual(events);
      expect((await store.verifyAuditChain!()).ok).toBe(true);
      const files = await readdir(dir);
      expect(files).toContain(DB_FILE);
      expect(files.filter((f) => f.endsWith('.jsonl'))).toEqual([]);
      expect(files).toContain('journal.jsonl.imported');
      // A new event continues after the imported ones.
      const id = await store.appendEvent({ type: 'status', serverId: 's9', data: { from: 'pending', to: 'ok' } });
      expect(Number(id)).toBeGreaterThan(Number(events.at(-1)));
    });
  }

  it('imports once: the next start opens the database and leaves the set-aside files alone', async () => {
    const { dir } = await fileStoreDir(true);
    const first = await createSqliteStore({ dir, logger: silent, now });
    await first.release('s1');
    await first.close();
    const cap = captureLogger();
    const again = await openSqlite(dir, cap.logger);
    expect(await again.getQuarantine('s1')).toBeNull();
    expect(cap.lines().some((l) => String(l.msg).includes('import'))).toBe(false);
  });

  it('skips a torn last journal line (a crash mid-write), as the file store did', async () => {
    const { dir } = await fileStoreDir(false);
    await appendFile(join(dir, 'journal.jsonl'), '{"s":999,"t":"alert","v":{"alert":{"id":"torn');
    const store = await openSqlite(dir);
    expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['a2', 'a1']);
  });

  describe('refuses what the file store would have loaded partially, and changes nothing', () => {
    async function refused(dir: string, pattern: RegExp): Promise<void> {
      const before = (await readdir(dir)).sort();
      const err = await createSqliteStore({ dir, logger: silent, now }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).toMatch(/refuses to import/);
      expect((await readdir(dir)).sort()).toEqual(before);
      expect(existsSync(join(dir, DB_FILE))).toBe(false);
    }
    const lines = async (dir: string, file: string) => (await readFile(join(dir, file), 'utf8')).split('\n');

    it('one journal line deleted', async () => {
      const { dir } = await fileStoreDir(false);
      const all = await lines(dir, 'journal.jsonl');
      all.splice(6, 1);
      await writeFile(join(dir, 'journal.jsonl'), all.join('\n'));
      await refused(dir, /journal\.jsonl: line 7 holds record \d+ where record \d+ was expected \(records are missing\)/);
    });

    it('a corrupt line in the middle of the journal', async () => {
      const { dir } = await fileStoreDir(false);
      const all = await lines(dir, 'journal.jsonl');
      all[3] = all[3]!.slice(0, 20);
      await writeFile(join(dir, 'journal.jsonl'), all.join('\n'));
      await refused(dir, /journal\.jsonl: line 4 is corrupt/);
    });

    it('the state file deleted (the journal starts after it)', async () => {
      const { dir } = await fileStoreDir(true);
      await unlink(join(dir, 'state.jsonl'));
      await refused(dir, /journal\.jsonl: starts at record \d+ but there is no state\.jsonl/);
    });

    it('the state file emptied', async () => {
      const { dir } = await fileStoreDir(true);
      await writeFile(join(dir, 'state.jsonl'), '');
      await refused(dir, /state\.jsonl: is empty/);
    });

    it('the state file cut at a line boundary', async () => {
      const { dir } = await fileStoreDir(true);
      const all = await lines(dir, 'state.jsonl');
      const q = all.findIndex((l) => l.includes('"t":"q"'));
      await writeFile(join(dir, 'state.jsonl'), all.slice(0, q).join('\n') + '\n');
      await refused(dir, /state\.jsonl: is cut short/);
    });
  });
});
