import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { Logger } from 'pino';
import { retentionMs } from '../audit/audit-page.js';
import type { AuditChainReport } from '../audit/chain.js';
import { StoreCorruptError } from '../errors.js';
import { acquireDirLock } from '../file/lock.js';
import { verifyChain } from './audit-verify.js';
import { DB_FILE, fsyncDir, quickCheck, readMarker, refusingCorruption, writeMarker } from './open-db.js';
import { SCHEMA_VERSION, schemaVersion } from './schema.js';

/*
 * Backup, restore and audit verification of the embedded database, for the CLI. Backup and
 * verify only read, so they run beside a live `driftwatch start` (WAL: a reader never blocks the
 * writer, and the backup API copies a consistent snapshot page by page). Restore replaces the
 * database and needs the data directory to itself (its LOCK).
 */

export { DB_FILE };

/** Opens an existing Driftwatch database for reading; refuses anything else. */
function openExisting(path: string): { db: Db; storeId: string; createdAt: string | null } {
  if (!existsSync(path)) throw new StoreCorruptError(path, 'no such database');
  if (statSync(path).size === 0) throw new StoreCorruptError(path, 'empty (0 bytes)');
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (err) {
    throw new StoreCorruptError(path, `cannot be opened (${(err as Error).message})`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    quickCheck(db, path);
    const version = refusingCorruption(path, () => schemaVersion(db));
    if (version === 0) throw new StoreCorruptError(path, 'is not a Driftwatch database (no schema_version table)');
    if (version > SCHEMA_VERSION) throw new StoreCorruptError(path, `schema version ${version} is newer than this Driftwatch understands (${SCHEMA_VERSION})`);
    const meta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    const storeId = meta.get('store_id')?.value;
    if (!storeId) throw new StoreCorruptError(path, 'is not a Driftwatch database (no store id)');
    return { db, storeId, createdAt: meta.get('created_at')?.value ?? null };
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  storeId: string;
}

/** Copies the data directory's database into `destination` (which must not exist), then checks the copy. */
export async function backupDatabase(dir: string, destination: string): Promise<BackupResult> {
  const dest = resolve(destination);
  if (existsSync(dest)) throw new Error(`${dest} already exists; choose a new file name`);
  const { db, storeId } = openExisting(join(dir, DB_FILE));
  try {
    await db.backup(dest);
  } catch (err) {
    rmSync(dest, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const copy = openExisting(dest);
  copy.db.pragma('wal_checkpoint(TRUNCATE)');
  copy.db.close();
  return { file: dest, bytes: statSync(dest).size, storeId };
}

export interface RestoreResult {
  file: string;
  storeId: string;
  /** Where the database it replaced was moved, if there was one. */
  previous: string | null;
}

/**
 * Replaces the data directory's database with a copy of `source` (a file `backupDatabase` wrote).
 * The database it replaces is renamed aside, never deleted. Refused while Driftwatch runs on `dir`.
 */
export async function restoreDatabase(dir: string, source: string, logger: Logger): Promise<RestoreResult> {
  const src = openExisting(resolve(source));
  mkdirSync(dir, { recursive: true });
  const release = await acquireDirLock(dir, logger).catch((err: unknown) => {
    src.db.close();
    throw err;
  });
  try {
    const target = join(dir, DB_FILE);
    const tmp = `${target}.restoring`;
    for (const s of ['', '-wal', '-shm']) rmSync(`${tmp}${s}`, { force: true });
    try {
      await src.db.backup(tmp);
    } finally {
      src.db.close();
    }
    const check = openExisting(tmp);
    check.db.pragma('wal_checkpoint(TRUNCATE)');
    check.db.close();
    let previous: string | null = null;
    if (existsSync(target)) {
      previous = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      // With its WAL: the rows a crash left there are part of the database being set aside.
      for (const s of ['', '-wal', '-shm']) if (existsSync(`${target}${s}`)) renameSync(`${target}${s}`, `${previous}${s}`);
    }
    renameSync(tmp, target);
    fsyncDir(dir);
    writeMarker(dir, src.storeId, src.createdAt ?? new Date().toISOString());
    return { file: target, storeId: src.storeId, previous };
  } finally {
    await release();
  }
}

/**
 * Verifies the audit hash chain of the data directory's database (and `PRAGMA quick_check`).
 * With `auditRetentionDays`, a record removed before its retention ran out is a break too.
 */
export async function verifyDatabaseAuditChain(dir: string, options: { auditRetentionDays?: number; now?: () => Date } = {}): Promise<AuditChainReport & { file: string }> {
  const file = join(dir, DB_FILE);
  if (!existsSync(file) && readMarker(dir)) throw new StoreCorruptError(file, 'missing');
  const { db } = openExisting(file);
  try {
    const cutoff = options.auditRetentionDays === undefined ? undefined : (options.now?.() ?? new Date()).getTime() - retentionMs(options.auditRetentionDays);
    const report = await verifyChain(db, cutoff === undefined ? {} : { retentionCutoffMs: cutoff });
    return { ...report, file };
  } finally {
    db.close();
  }
}
