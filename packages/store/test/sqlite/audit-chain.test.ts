import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { DB_FILE, GENESIS_HASH, auditChainHash, canonicalAction, createSqliteStore, verifyDatabaseAuditChain, type StatePort } from '../../src/index.js';
import { action, at } from '../fixtures/builders.js';
import { silent } from './harness.js';

const DAY = 24 * 3600 * 1000;

describe('sqlite store: tamper-evident audit trail', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  let nowMs = Date.parse(at(0)) + 10 * DAY;
  const now = () => new Date(nowMs);

  async function storeWith(actions: Action[]): Promise<{ dir: string; store: StatePort }> {
    const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-chain-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const store = await createSqliteStore({ dir, logger: silent, now, maintenanceIntervalMs: 0, auditRetentionDays: 400 });
    cleanup.push(() => store.close());
    for (const a of actions) await store.appendAudit(a);
    return { dir, store };
  }

  /** Edits the database the way someone with a SQLite shell would, behind the store's back. */
  async function tamper(dir: string, store: StatePort, sql: string, ...args: unknown[]): Promise<void> {
    await store.close();
    const db = new Database(join(dir, DB_FILE));
    db.prepare(sql).run(...args);
    db.close();
  }

  const five = () => Array.from({ length: 5 }, (_, i) => action(`s${i % 2}`, i * 1000, i === 3 ? 'release' : 'quarantine'));

  it('links every record to the one before it: sha256(previous hash, canonical JSON of the action)', async () => {
    const list = five();
    const { dir, store } = await storeWith(list);
    const report = await store.verifyAuditChain!();
    expect(report).toMatchObject({ ok: true, checked: 5, anchor: { seq: 0, hash: GENESIS_HASH }, firstBreak: null });
    let prev = GENESIS_HASH;
    for (const a of list) prev = auditChainHash(prev, canonicalAction(a));
    expect(report.head).toEqual({ seq: 5, hash: prev });
    // A retried append adds nothing to the chain.
    await store.appendAudit(list[2]!);
    expect((await store.verifyAuditChain!()).head.seq).toBe(5);
    await store.close();
    // The same verdict from the CLI's path (another connection, beside or after the store).
    expect(await verifyDatabaseAuditChain(dir)).toMatchObject({ ok: true, checked: 5, head: { seq: 5, hash: prev } });
  });

  it('names the first altered record', async () => {
    const list = five();
    const { dir, store } = await storeWith(list);
    await tamper(dir, store, "UPDATE audit_log SET action = replace(action, 'reason 2', 'nothing to see') WHERE seq = 3");
    const report = await verifyDatabaseAuditChain(dir);
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: 3, actionId: list[2]!.id, serverId: 's0', problem: expect.stringMatching(/content altered/) });
  });

  it('names the record after a deleted one, and a deletion at the end', async () => {
    const list = five();
    const { dir, store } = await storeWith(list);
    await tamper(dir, store, 'DELETE FROM audit_log WHERE seq = 2');
    const middle = await verifyDatabaseAuditChain(dir);
    expect(middle.firstBreak).toMatchObject({ seq: 3, actionId: list[2]!.id, problem: expect.stringMatching(/records 2\.\.2 are missing/) });

    const other = await storeWith(five());
    await tamper(other.dir, other.store, 'DELETE FROM audit_log WHERE seq = 5');
    const end = await verifyDatabaseAuditChain(other.dir);
    expect(end.firstBreak?.problem).toMatch(/newest records 5\.\.5 are missing/);
  });

  it('catches a record whose content was re-hashed but whose successor was not', async () => {
    const list = five();
    const { dir, store } = await storeWith(list);
    const forged = { ...list[1]!, reason: 'forged' };
    const db = new Database(join(dir, DB_FILE));
    const prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 1').get() as { hash: string }).hash;
    await store.close();
    const text = canonicalAction(forged);
    const db2 = new Database(join(dir, DB_FILE));
    db2.prepare('UPDATE audit_log SET action = ?, hash = ? WHERE seq = 2').run(text, auditChainHash(prev, text));
    db2.close();
    db.close();
    expect((await verifyDatabaseAuditChain(dir)).firstBreak).toMatchObject({ seq: 3, problem: expect.stringMatching(/does not link to record 2/) });
  });

  it('stays verifiable through retention, also when an old action arrived late (out of append order)', async () => {
    nowMs = Date.parse(at(0)) + 1000 * DAY;
    const day = (d: number) => new Date(nowMs - d * DAY).toISOString();
    const mk = (serverId: string, daysAgo: number): Action => ({ ...action(serverId, 0), time: day(daysAgo) });
    // Appended: young, old, young, old (late), young.
    const { dir, store } = await storeWith([mk('a', 10), mk('a', 500), mk('b', 5), mk('b', 450), mk('a', 1)]);
    expect((await store.prune()).audit).toBe(2);
    const report = await store.verifyAuditChain!();
    expect(report).toMatchObject({ ok: true, checked: 3 });
    // Record 2 was folded into the anchor only once record 1 went too; record 4 waits as a tombstone.
    expect(report.anchor.seq).toBe(0);
    nowMs += 395 * DAY; // the 10-day-old one (record 1) ages out: 1 and 2 fold into the anchor.
    expect((await store.prune()).audit).toBe(1);
    const later = await store.verifyAuditChain!();
    expect(later).toMatchObject({ ok: true, checked: 2, anchor: { seq: 2 } });
    await store.appendAudit(mk('c', 0));
    expect((await store.verifyAuditChain!()).ok).toBe(true);
    await store.close();
    // A row deleted by hand and dressed up as a retention tombstone, although it is recent: caught.
    const db = new Database(join(dir, DB_FILE));
    const row = db.prepare('SELECT seq, key, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; key: string; hash: string };
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(row.seq);
    db.prepare('INSERT INTO audit_pruned (seq, key, hash) VALUES (?, ?, ?)').run(row.seq, row.key, row.hash);
    db.close();
    const forged = await verifyDatabaseAuditChain(dir, { auditRetentionDays: 400, now });
    expect(forged.firstBreak).toMatchObject({ seq: row.seq, problem: expect.stringMatching(/within the retention period/) });
  });
});
