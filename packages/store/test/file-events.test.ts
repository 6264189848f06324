import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore, type FileStoreOptions, type StatePort } from '../src/index.js';
import { readAll } from './audit-contract.js';
import { drain } from './event-contract.js';
import { action, at } from './fixtures/builders.js';

const silent = pino({ level: 'silent' });
const DAY = 24 * 3600 * 1000;

describe('file store: audit trail and event log across restarts', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  let nowMs = Date.parse(at(0)) + 30 * DAY;
  const now = () => new Date(nowMs);
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-fev-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  async function open(dir: string, extra: Partial<FileStoreOptions> = {}): Promise<StatePort> {
    const store = await createFileStore({ dir, logger: silent, now, maintenanceIntervalMs: 0, ...extra });
    cleanup.push(() => store.close());
    return store;
  }

  it('keeps more than the old 10,000-entry cap through compaction and restart', async () => {
    const dir = await tempDir();
    const a = await open(dir, { compactBytes: 256 * 1024 });
    const list = Array.from({ length: 10_500 }, (_, i) => action(`s${i % 4}`, i));
    for (let i = 0; i < list.length; i += 500) await Promise.all(list.slice(i, i + 500).map((x) => a.appendAudit(x)));
    await a.close();
    const b = await open(dir);
    const all = await readAll(b, {}, 1000);
    expect(all).toHaveLength(10_500);
    expect(all[all.length - 1]!.id).toBe(list[0]!.id);
  });

  it('drops entries past the retention when it opens, and journals nothing for it', async () => {
    const dir = await tempDir();
    nowMs = Date.parse(at(0)) + 30 * DAY;
    const a = await open(dir);
    await a.appendAudit(action('s1', 0));
    await a.appendAudit(action('s1', 20 * DAY));
    await a.close();
    const b = await open(dir, { auditRetentionDays: 15 });
    expect((await b.listAudit(10)).map((x) => x.time)).toEqual([at(20 * DAY)]);
  });

  it('event ids keep increasing across restarts, and a reader resumes exactly', async () => {
    const dir = await tempDir();
    const a = await open(dir);
    const start = (await a.readEvents(null, 1)).next;
    await a.appendAudit(action('s1', 1));
    await a.updateServerState('s1', { baselineFingerprint: 'fp' });
    const before = (await drain(a, start)).events;
    expect(before.map((e) => e.type)).toEqual(['action', 'status']);
    await a.close();
    const b = await open(dir);
    expect((await drain(b, start)).events).toEqual(before);
    const id = await b.appendEvent({ type: 'status', serverId: 's2', data: { from: 'pending', to: 'ok' } });
    expect(Number(id)).toBeGreaterThan(Number(before[1]!.id));
    expect((await drain(b, before[1]!.id)).events.map((e) => e.id)).toEqual([id]);
  });

  it('remembers after a restart that old events were trimmed (a reader behind them is told to reset)', async () => {
    const dir = await tempDir();
    nowMs = Date.parse(at(0)) + 30 * DAY;
    const a = await open(dir, { compactBytes: 1 });
    const start = (await a.readEvents(null, 1)).next;
    await a.appendEvent({ type: 'status', serverId: 's1', data: { from: 'pending', to: 'ok' } });
    nowMs += 2 * DAY;
    const young = await a.appendEvent({ type: 'status', serverId: 's1', data: { from: 'ok', to: 'drifted' } });
    expect((await a.prune()).events).toBe(1);
    await a.appendAudit(action('s1', 1)); // a write after the trim: compaction (every write here) records the floor
    await a.close();
    const b = await open(dir);
    expect((await b.readEvents(start, 10)).reset).toBe('too_old');
    expect((await drain(b, String(Number(young) - 1))).events[0]?.id).toBe(young);
  });

  it('a torn event line at the end of the journal is skipped like any other torn write', async () => {
    const dir = await tempDir();
    const a = await open(dir);
    const start = (await a.readEvents(null, 1)).next;
    const id = await a.appendEvent({ type: 'status', serverId: 's1', data: { from: 'pending', to: 'ok' } });
    await a.close();
    await appendFile(join(dir, 'journal.jsonl'), '{"s":99999,"t":"ev","v":{"id":"99999","type":"sta');
    const b = await open(dir);
    expect((await drain(b, start)).events.map((e) => e.id)).toEqual([id]);
  });

  it('tells subscribers when an event was written, so a stream need not wait for its next poll', async () => {
    const dir = await tempDir();
    const a = await open(dir);
    let calls = 0;
    const off = a.subscribeEvents!(() => calls++);
    await a.appendAudit(action('s1', 1));
    expect(calls).toBe(1);
    off();
    await a.appendAudit(action('s1', 2));
    expect(calls).toBe(1);
  });
});
