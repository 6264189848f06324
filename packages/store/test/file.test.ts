import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreLockedError, createFileStore, type StatePort } from '../src/index.js';
import { registerStoreContract } from './contract.js';
import { action, at, baseline, captureLogger, snapshot, storedAlert } from './fixtures/builders.js';

const silent = pino({ level: 'silent' });
/** The fixtures' clock: with the real one, their 2025 audit entries may be past the retention already. */
const now = () => new Date(Date.parse(at(0)) + 24 * 3600 * 1000);
const dirs = new Map<StatePort, string>();

registerStoreContract('file', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-'));
    const store = await createFileStore({ dir, logger: silent });
    dirs.set(store, dir);
    return store;
  },
  async dispose(store) {
    await store.close();
    await rm(dirs.get(store)!, { recursive: true, force: true });
    dirs.delete(store);
  },
});

describe('file store: durability', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-store-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  async function open(dir: string, extra: Partial<Parameters<typeof createFileStore>[0]> = {}): Promise<StatePort> {
    const store = await createFileStore({ dir, logger: silent, now, ...extra });
    cleanup.push(() => store.close());
    return store;
  }

  async function writeEverything(store: StatePort): Promise<void> {
    await store.updateServerState('s1', { reachable: true, baselineFingerprint: 'fp1', lastPollAt: at(1) });
    await store.putLatestSnapshot(snapshot('s1'));
    await store.putBaseline(baseline('s1'));
    const s3 = snapshot('s3', { pollId: 'as-text' });
    await store.putLatestSnapshotJson('s3', { fingerprint: s3.fingerprints.snapshot, json: JSON.stringify(s3) });
    await store.putOpenFindings('s1', {
      k: { alertId: 'a1', evidenceFingerprint: 'e', severity: 'high', kind: 'tool.added', subject: 'rm' },
    });
    await store.insertAlert(storedAlert({ id: 'a1', timeMs: 1 }));
    await store.insertAlert(storedAlert({ id: 'a2', timeMs: 2, subject: 'x', status: 'resolved' }));
    await store.quarantine('s1', { reason: 'poisoned', actor: 'policy', at: at(3) });
    await store.quarantine('s2', { reason: 'temp', actor: 'policy', at: at(3) });
    await store.release('s2');
    await store.claimOnce('page:a1', 3_600_000);
    await store.appendAudit(action('s1', 4));
  }

  async function expectEverything(store: StatePort): Promise<void> {
    expect(await store.getServerState('s1')).toMatchObject({ reachable: true, baselineFingerprint: 'fp1', quarantine: { reason: 'poisoned' } });
    expect((await store.getLatestSnapshot('s1'))?.instructions).toBe('Use the echo tool.  \u200b\n');
    expect((await store.getBaseline('s1'))?.approvedBy).toBe('alice');
    expect((await store.getLatestSnapshot('s3'))?.pollId).toBe('as-text');
    expect((await store.getLatestSnapshotJson('s3'))?.fingerprint).toBe(snapshot('s3').fingerprints.snapshot);
    expect(Object.keys(await store.getOpenFindings('s1'))).toEqual(['k']);
    expect((await store.listAlerts()).map((a) => a.alert.id)).toEqual(['a2', 'a1']);
    expect((await store.getOpenAlertByDedupKey(storedAlert({ id: 'a1' }).alert.dedupKey))?.alert.id).toBe('a1');
    expect(await store.countQuarantined()).toBe(1);
    expect(await store.getQuarantine('s2')).toBeNull();
    expect(await store.claimOnce('page:a1', 1000)).toBe(false);
    expect((await store.listAudit()).map((a) => a.reason)).toEqual(['reason 4']);
  }

  it('a restart keeps state, baselines, alerts, quarantines, claims and audit', async () => {
    const dir = await tempDir();
    const a = await createFileStore({ dir, logger: silent, now });
    await writeEverything(a);
    await a.close();
    expect(a.isReady()).toBe(false);
    await expect(a.putBaseline(baseline('s9'))).rejects.toThrow(/closed/);
    const b = await open(dir);
    await expectEverything(b);
  });

  it('tolerates a torn last journal line and keeps appending cleanly after it', async () => {
    const dir = await tempDir();
    const a = await createFileStore({ dir, logger: silent, now });
    await writeEverything(a);
    await a.close();
    // A crash in the middle of a write leaves half a line at the end.
    await appendFile(join(dir, 'journal.jsonl'), '{"s":999,"t":"alert","v":{"alert":{"id":"torn');
    const cap = captureLogger();
    const b = await createFileStore({ dir, logger: cap.logger, now });
    await expectEverything(b);
    expect(cap.lines().some((l) => String(l.msg).includes('torn'))).toBe(true);
    await b.insertAlert(storedAlert({ id: 'after-torn', timeMs: 9, subject: 'after' }));
    await b.close();
    const c = await open(dir);
    expect((await c.listAlerts()).map((x) => x.alert.id)).toEqual(['after-torn', 'a2', 'a1']);
  });

  it('compacts the journal into the state file when it grows, without losing anything', async () => {
    const dir = await tempDir();
    const a = await createFileStore({ dir, logger: silent, compactBytes: 16 * 1024, now });
    await writeEverything(a);
    for (let i = 0; i < 200; i++) await a.updateServerState(`bulk-${i % 20}`, { lastPollId: `p${i}` });
    // In groups: each audit entry also journals its event, and compaction runs between batches.
    for (let g = 0; g < 100; g += 25) await Promise.all(Array.from({ length: 25 }, (_, i) => a.appendAudit(action('bulk', 100 + g + i))));
    const journal = await stat(join(dir, 'journal.jsonl'));
    expect(journal.size).toBeLessThan(32 * 1024); // would be far larger without compaction
    const state = await readFile(join(dir, 'state.jsonl'), 'utf8');
    expect(state.split('\n')[0]).toMatch(/"dw":"state"/);
    await a.close();
    const b = await open(dir);
    expect((await b.getServerState('bulk-19'))?.lastPollId).toBe('p199');
    expect((await b.listAudit(1))[0]?.reason).toBe('reason 199');
    expect(await b.listAudit(1000)).toHaveLength(101);
    expect(await b.getQuarantine('s1')).toMatchObject({ reason: 'poisoned' });
    expect(await b.countQuarantined()).toBe(1);
  });

  it('refuses a second opener of the same directory in this process', async () => {
    const dir = await tempDir();
    await open(dir);
    await expect(createFileStore({ dir, logger: silent })).rejects.toBeInstanceOf(StoreLockedError);
  });

  it('keeps only the most recent alerts, dropping resolved ones first', async () => {
    const dir = await tempDir();
    const s = await open(dir, { maxAlerts: 4 });
    await s.insertAlert(storedAlert({ id: 'open-old', timeMs: 1, subject: 'o' }));
    for (let i = 2; i <= 6; i++) await s.insertAlert(storedAlert({ id: `r${i}`, timeMs: i, subject: `r${i}`, status: 'resolved' }));
    expect((await s.listAlerts()).map((a) => a.alert.id)).toEqual(['r6', 'r5', 'r4', 'open-old']);
    expect(await s.getOpenAlertByDedupKey(storedAlert({ subject: 'o' }).alert.dedupKey)).not.toBeNull();
  });

  it('refuses to start on a corrupt state file rather than silently dropping state', async () => {
    const dir = await tempDir();
    const a = await createFileStore({ dir, logger: silent, now });
    await writeEverything(a);
    await a.close();
    const b = await createFileStore({ dir, logger: silent }); // compacts the journal into state.jsonl
    await b.close();
    const state = await readFile(join(dir, 'state.jsonl'), 'utf8');
    await writeFile(join(dir, 'state.jsonl'), state.replace('"poisoned"', '"poisoned'));
    await expect(createFileStore({ dir, logger: silent })).rejects.toThrow(/state\.jsonl: line \d+ is corrupt/);
    // The failed open released the lock.
    await writeFile(join(dir, 'state.jsonl'), state);
    await open(dir);
  });

  describe('across processes', () => {
    const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
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
      const err = await createFileStore({ dir, logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as StoreLockedError).holderPid).toBe(child.pid);
      expect((err as Error).message).toContain(String(child.pid));
    });

    it('nothing acknowledged is lost when the process is killed, and its stale lock is taken over', async () => {
      const dir = await tempDir();
      const child = await runWriter(dir, 300, 'crash');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
      const cap = captureLogger();
      const store = await createFileStore({ dir, logger: cap.logger });
      cleanup.push(() => store.close());
      expect(cap.lines().some((l) => String(l.msg).includes('stale'))).toBe(true);
      expect(await store.listAlerts({ limit: 1000 })).toHaveLength(300);
      expect(await store.getQuarantine('crashed-srv')).toMatchObject({ reason: 'before crash' });
    });
  });
});
