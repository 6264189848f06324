import { randomUUID } from 'node:crypto';
import { existsSync, fsyncSync, openSync, closeSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { z } from 'zod';
import { StoreCorruptError } from '../errors.js';
import { SCHEMA_VERSION, migrate, schemaVersion } from './schema.js';

/** The database file in the data directory (with its -wal and -shm companions while open). */
export const DB_FILE = 'driftwatch.db';
/**
 * Written next to the database once it exists, and never removed by Driftwatch: with it, a
 * missing or emptied database is a loss to refuse, not a first start.
 */
export const MARKER_FILE = 'driftwatch-store.json';

const Marker = z.object({ format: z.literal('driftwatch-sqlite'), db: z.string(), storeId: z.string().min(1), createdAt: z.string() });
export type Marker = z.infer<typeof Marker>;

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readMarker(dir: string): Marker | null {
  const path = join(dir, MARKER_FILE);
  if (!existsSync(path)) return null;
  try {
    return Marker.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new StoreCorruptError(path, `not a Driftwatch store marker (${(err as Error).message.slice(0, 120)}); remove it only if ${DB_FILE} is the database you mean to use`);
  }
}

/** Atomically (temp file, fsync, rename, fsync dir). */
export function writeMarker(dir: string, storeId: string, createdAt: string): void {
  const tmp = join(dir, `${MARKER_FILE}.tmp`);
  const marker: Marker = { format: 'driftwatch-sqlite', db: DB_FILE, storeId, createdAt };
  writeFileSync(tmp, JSON.stringify(marker, null, 2) + '\n', { mode: 0o600 });
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, MARKER_FILE));
  fsyncDir(dir);
}

const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

/** True for the errors SQLite raises on a damaged file (as opposed to a busy or full disk). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT'));
}

/** Runs fn; a corruption error from SQLite becomes StoreCorruptError naming the file. */
export function refusingCorruption<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isCorruption(err)) throw new StoreCorruptError(file, `database is damaged (${(err as Error).message}); restore a backup with "driftwatch restore FILE"`);
    throw err;
  }
}

/** `PRAGMA quick_check`: "ok", or the first problems it found. */
export function quickCheck(db: Db, file: string): void {
  const rows = refusingCorruption(file, () => db.pragma('quick_check(5)') as Array<{ quick_check: string }>);
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length) throw new StoreCorruptError(file, `integrity check failed: ${problems.join('; ').slice(0, 400)}; restore a backup with "driftwatch restore FILE"`);
}

/** The settings every connection runs with; see the comments for why. */
export function configure(db: Db): void {
  // WAL: readers (backup, audit verify from another process) never block the writer.
  db.pragma('journal_mode = WAL');
  // NORMAL + wal-sync.ts: COMMIT writes the WAL without syncing it on the event loop; GroupCommit
  // resolves writers only after the WAL is fsync'd on the thread pool — FULL's guarantee (on disk
  // before the call resolves, power loss included) without blocking the loop. Other connections
  // (backup, audit verify) only read.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Only this process writes (the directory lock); a reader's checkpoint may briefly hold a lock.
  db.pragma('busy_timeout = 5000');
}

export interface OpenedDb {
  db: Db;
  path: string;
  storeId: string;
  created: boolean;
  migrated: number[];
}

/**
 * Opens (or creates) the database in `dir`, under the caller's directory lock. Refuses with
 * StoreCorruptError a database that is missing or empty while the marker says one existed, that
 * fails `PRAGMA quick_check`, that is not SQLite, that is another store's, or that was written by
 * a newer schema. Never starts from an empty state in place of a damaged one.
 */
export function openDb(dir: string, now: () => Date): OpenedDb {
  const path = join(dir, DB_FILE);
  const marker = readMarker(dir);
  const exists = existsSync(path);
  const size = exists ? statSync(path).size : 0;
  if (marker && !exists) {
    throw new StoreCorruptError(
      path,
      `missing: this data directory has held a Driftwatch database since ${marker.createdAt} (see ${MARKER_FILE}); restore a backup with "driftwatch restore FILE", or remove ${MARKER_FILE} to start with an empty state`,
    );
  }
  if (marker && size === 0) {
    throw new StoreCorruptError(path, `empty (0 bytes), but this data directory has held a Driftwatch database since ${marker.createdAt}; restore a backup with "driftwatch restore FILE"`);
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: Boolean(marker) });
  } catch (err) {
    if (isCorruption(err)) throw new StoreCorruptError(path, `not a readable database (${(err as Error).message})`);
    throw err;
  }
  try {
    refusingCorruption(path, () => configure(db));
    quickCheck(db, path);
    const version = refusingCorruption(path, () => schemaVersion(db));
    if (version > SCHEMA_VERSION) {
      throw new StoreCorruptError(path, `schema version ${version} is newer than this Driftwatch understands (${SCHEMA_VERSION}); run the newer version, or restore an older backup`);
    }
    if (marker && version === 0) {
      throw new StoreCorruptError(path, `holds no Driftwatch tables, but this data directory has held a Driftwatch database since ${marker.createdAt}; restore a backup with "driftwatch restore FILE"`);
    }
    const migrated = migrate(db, version, now);
    const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    let storeId = getMeta.get('store_id')?.value;
    const created = !storeId;
    if (!storeId) {
      storeId = randomUUID();
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('store_id', storeId, 'created_at', now().toISOString());
    }
    if (marker && marker.storeId !== storeId) {
      throw new StoreCorruptError(path, `is not the database this data directory was created with (store ${storeId}, expected ${marker.storeId}); use "driftwatch restore FILE" to replace a database`);
    }
    if (!marker) writeMarker(dir, storeId, getMeta.get('created_at')?.value ?? now().toISOString());
    return { db, path, storeId, created, migrated };
  } catch (err) {
    db.close();
    throw err;
  }
}
