import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { StoreCorruptError } from '../errors.js';
import { MemoryState } from '../file/memory.js';
import { FileRecord, StateHeader } from '../file/records.js';
import { AlertTable } from './alert-table.js';
import { AuditTable } from './audit-table.js';
import { IncidentTables } from './incident-tables.js';
import { ApiKeyTable, CatalogTable, ClaimTable, ToolRejectionTable } from './keyed-tables.js';
import { MetaTable } from './meta.js';
import { DB_FILE, configure, fsyncDir, readMarker } from './open-db.js';
import { migrate } from './schema.js';
import { ServerTables } from './server-tables.js';

/*
 * One-time import of a data directory written by the file store (state.jsonl + journal.jsonl).
 * The files are read with the file store's own record schemas and MemoryState, but more strictly
 * than the file store read them: it skipped a corrupt journal line and started, losing that
 * record; this refuses to import (and so to start) unless every record is there. Only a torn last
 * journal line (a crash during a write nobody was told had succeeded) is skipped.
 *
 * The database is written under a temporary name and renamed into place once complete, then the
 * old files are renamed aside (never deleted): a crash at any point leaves either the old files
 * alone (imported again at the next start) or a complete database (the old files are renamed
 * aside then).
 */

export const STATE_FILE = 'state.jsonl';
export const JOURNAL_FILE = 'journal.jsonl';
const LEGACY = [STATE_FILE, JOURNAL_FILE, `${STATE_FILE}.tmp`];
const IMPORTING = `${DB_FILE}.importing`;

/** Lines of a file as UTF-8 text, read synchronously in 1 MiB chunks; `complete` is false for a last line without "\n". */
function forEachLine(path: string, onLine: (line: string, lineNo: number, complete: boolean) => void): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let carry: Buffer[] = [];
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let start = 0;
      for (let i = 0; i < n; i++) {
        if (buf[i] !== 0x0a) continue;
        const piece = buf.subarray(start, i);
        const line = carry.length ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
        carry = [];
        onLine(line, ++lineNo, true);
        start = i + 1;
      }
      if (start < n) carry.push(Buffer.from(buf.subarray(start, n)));
    }
    if (carry.length) onLine(Buffer.concat(carry).toString('utf8'), ++lineNo, false);
  } finally {
    closeSync(fd);
  }
}

function refuse(dir: string, file: string, problem: string): never {
  throw new StoreCorruptError(
    join(dir, file),
    `${problem}. The file store would have started without it; Driftwatch refuses to import (nothing was changed). ` +
      `Restore the data directory from a backup, or move ${STATE_FILE} and ${JOURNAL_FILE} out of ${dir} to start with an empty state`,
  );
}

/** Replays the file store's files into memory, refusing anything but a complete record. */
export function readFileStoreDir(dir: string, log: Logger): { mem: MemoryState; seq: number; records: number } {
  const mem = new MemoryState(10_000, 10_000);
  const statePath = join(dir, STATE_FILE);
  const journalPath = join(dir, JOURNAL_FILE);
  let baseSeq = 0;
  let records = 0;
  if (existsSync(statePath)) {
    if (statSync(statePath).size === 0) refuse(dir, STATE_FILE, 'is empty (0 bytes)');
    let floors = 0;
    let lastComplete = true;
    forEachLine(statePath, (line, lineNo, complete) => {
      lastComplete = complete;
      if (lineNo === 1) {
        try {
          baseSeq = StateHeader.parse(JSON.parse(line)).seq;
        } catch {
          refuse(dir, STATE_FILE, 'has no valid header line');
        }
        return;
      }
      if (!line) return;
      let rec: FileRecord;
      try {
        rec = FileRecord.parse(JSON.parse(line));
      } catch (err) {
        refuse(dir, STATE_FILE, `line ${lineNo} is corrupt (${(err as Error).message.slice(0, 160)})`);
      }
      if (rec.t === 'evfloor') floors++;
      mem.apply(rec);
      records++;
    });
    // Every state file is written whole (temp file, then rename) and ends with a newline, and
    // every one holds the event-log floor after the quarantines: without them it was cut short.
    if (!lastComplete) refuse(dir, STATE_FILE, 'ends in the middle of a line (cut short)');
    if (floors !== 1) refuse(dir, STATE_FILE, 'is cut short (its event-floor record, written after the quarantines and the audit trail, is missing)');
  }
  let expected = baseSeq + 1;
  if (existsSync(journalPath)) {
    const pending: Array<() => void> = [];
    forEachLine(journalPath, (line, lineNo) => {
      // A parse failure is a torn write only on the last line: decided once we know which is last.
      for (const p of pending.splice(0)) p();
      if (!line) return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        pending.push(() => refuse(dir, JOURNAL_FILE, `line ${lineNo} is corrupt (not JSON)`));
        return;
      }
      const s = (obj as { s?: unknown } | null)?.s;
      if (typeof s !== 'number') refuse(dir, JOURNAL_FILE, `line ${lineNo} has no sequence number`);
      if (s <= baseSeq) return; // already folded into the state file
      if (s !== expected) {
        refuse(
          dir,
          JOURNAL_FILE,
          expected === 1 && baseSeq === 0 && s > 1
            ? `starts at record ${s} but there is no ${STATE_FILE} with the records before it (deleted?)`
            : `line ${lineNo} holds record ${s} where record ${expected} was expected (${s > expected ? 'records are missing' : 'records out of order'})`,
        );
      }
      const parsed = FileRecord.safeParse(obj);
      if (!parsed.success) refuse(dir, JOURNAL_FILE, `line ${lineNo} (record ${s}) does not validate: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      mem.apply(parsed.data);
      expected++;
      records++;
    });
    if (pending.length) log.warn({ file: journalPath }, 'journal ends with a torn line (a crash during a write); skipping it');
  }
  return { mem, seq: expected - 1, records };
}

/** Writes everything the file store held into a new database (one transaction). */
function writeInto(db: Database.Database, mem: MemoryState, log: Logger, now: () => Date): void {
  const meta = new MetaTable(db);
  const servers = new ServerTables(db);
  const alerts = new AlertTable(db, Number.MAX_SAFE_INTEGER);
  const audit = new AuditTable(db, meta);
  const inc = new IncidentTables(db, Number.MAX_SAFE_INTEGER);
  const claims = new ClaimTable(db);
  const keys = new ApiKeyTable(db);
  const rejections = new ToolRejectionTable(db);
  const catalog = new CatalogTable(db, meta);
  db.transaction(() => {
    for (const state of mem.servers.values()) servers.writeState(state);
    for (const [id, blob] of mem.snapshots) servers.putBlob('snap', id, blob);
    for (const [id, blob] of mem.baselines) servers.putBlob('base', id, blob);
    for (const [id, findings] of mem.findings) servers.putFindings(id, findings);
    for (const [id, record] of mem.quarantines) servers.setQuarantine(id, record);
    for (const alert of mem.alerts.values()) alerts.put(alert);
    // The open pointers exactly as the file store had them (the last open write per dedup key).
    db.exec('DELETE FROM open_alerts');
    const point = db.prepare('INSERT INTO open_alerts (dedup_key, alert_id) VALUES (?, ?)');
    for (const [dk, id] of mem.openByDedupKey) if (mem.alerts.has(id)) point.run(dk, id);
    const nowMs = Date.now();
    for (const [key, exp] of mem.claims) if (exp > nowMs) claims.write(key, exp);
    for (const record of mem.apiKeys.values()) keys.put(record);
    for (const r of mem.toolRejections.list()) rejections.put(r);
    for (const entry of mem.catalog.list()) catalog.put(entry);
    if (mem.catalog.seededAt) catalog.markSeeded(mem.catalog.seededAt);
    // The audit trail in key (time) order: the chain starts here, from the genesis hash.
    for (const action of mem.audit.actions()) audit.append(action);
    // Events keep their ids, so a console following the stream resumes across the upgrade.
    const ev = db.prepare('INSERT INTO events (id, time_ms, json) VALUES (?, ?, ?)');
    for (const e of mem.events.events()) {
      const { id, ...rest } = e;
      ev.run(Number(id), Date.parse(e.time) || 0, JSON.stringify(rest));
    }
    meta.set('event_floor', String(mem.events.floor));
    for (const r of mem.incidents.incidents.values()) inc.write(r, true);
    db.exec('DELETE FROM open_incidents');
    const pointInc = db.prepare('INSERT INTO open_incidents (group_key, incident_id) VALUES (?, ?)');
    for (const [gk, id] of mem.incidents.openByGroup) if (mem.incidents.incidents.has(id)) pointInc.run(gk, id);
    for (const s of mem.incidents.silences.values()) inc.putSilence(s);
    for (const d of mem.incidents.deliveries.values()) inc.putDelivery(d);
    meta.set('imported_from_file_store_at', now().toISOString());
  }).immediate();
  log.info(
    { servers: mem.servers.size, quarantines: mem.quarantines.size, alerts: mem.alerts.size, audit: mem.audit.size, incidents: mem.incidents.incidents.size },
    'imported the file store into sqlite',
  );
}

function removeDbFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

/** Renames the file store's files aside (`<name>.imported`, or with a time if that exists). */
export function setLegacyFilesAside(dir: string, log: Logger): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let moved = false;
  for (const name of LEGACY) {
    const from = join(dir, name);
    if (!existsSync(from)) continue;
    const to = existsSync(join(dir, `${name}.imported`)) ? join(dir, `${name}.imported-${stamp}`) : join(dir, `${name}.imported`);
    renameSync(from, to);
    log.warn({ from, to }, 'file store data set aside (imported into sqlite)');
    moved = true;
  }
  if (moved) fsyncDir(dir);
}

/**
 * When `dir` holds a file store's data and no database yet: imports it (or refuses it when
 * `allowed` is false, or when it is not complete). True when it imported.
 */
export function importFileStoreIfPresent(dir: string, log: Logger, now: () => Date, allowed: boolean): boolean {
  const present = [STATE_FILE, JOURNAL_FILE].filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return false;
  if (existsSync(join(dir, DB_FILE)) || readMarker(dir)) return false;
  if (!allowed) {
    throw new StoreCorruptError(join(dir, present[0]!), 'this data directory was written by the file store; importing it was turned off');
  }
  const started = Date.now();
  const { mem, seq, records } = readFileStoreDir(dir, log);
  const tmp = join(dir, IMPORTING);
  removeDbFiles(tmp);
  const db = new Database(tmp);
  try {
    configure(db);
    migrate(db, 0, now);
    writeInto(db, mem, log, now);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    db.close();
    removeDbFiles(tmp);
    throw err;
  }
  db.close();
  renameSync(tmp, join(dir, DB_FILE));
  fsyncDir(dir);
  setLegacyFilesAside(dir, log);
  log.warn({ dir, seq, records, ms: Date.now() - started }, 'data directory moved from the file store to sqlite (one-time import)');
  return true;
}
