import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { DriftEvent, EVENT_RETAIN_COUNT, batchLimit, type EventBatch } from '../events/event.js';
import type { MetaTable } from './meta.js';

const FLOOR_KEY = 'event_floor';

/**
 * The live event log. Ids are the table's AUTOINCREMENT rowid: increasing across restarts and never
 * reused, consecutive (one writer), so a reader at n has missed events exactly when events up to
 * something above n were trimmed (the floor). Trimmed by count on append (one row per append once
 * full) and by age in prune().
 */
export class EventTable {
  /** The newest id ever assigned (0: none). */
  private last: number;
  private floor: number;
  private readonly s: {
    last: Statement<[], { seq: number }>;
    insert: Statement<[number, string]>;
    trimUpTo: Statement<[number]>;
    after: Statement<[number, number], { id: number; json: string }>;
    head: Statement<[number], { id: number; time_ms: number }>;
    remove: Statement<[number]>;
  };

  constructor(
    db: Database,
    private readonly meta: MetaTable,
    private readonly log: Logger,
  ) {
    this.s = {
      last: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'"),
      insert: db.prepare('INSERT INTO events (time_ms, json) VALUES (?, ?)'),
      trimUpTo: db.prepare('DELETE FROM events WHERE id <= ?'),
      after: db.prepare('SELECT id, json FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      head: db.prepare('SELECT id, time_ms FROM events ORDER BY id LIMIT ?'),
      remove: db.prepare('DELETE FROM events WHERE id = ?'),
    };
    this.last = 0;
    this.floor = 0;
    this.reload();
  }

  reload(): void {
    this.last = this.s.last.get()?.seq ?? 0;
    this.floor = Number(this.meta.get(FLOOR_KEY) ?? 0);
  }

  get lastId(): number {
    return this.last;
  }

  /** Inside a transaction; `json` is encodeNewEvent's output (validated, without id). Returns the id. */
  append(json: string, timeMs: number): string {
    const id = Number(this.s.insert.run(Number.isFinite(timeMs) ? timeMs : 0, json).lastInsertRowid);
    this.last = id;
    const cut = id - EVENT_RETAIN_COUNT;
    if (cut > this.floor) {
      // Ids are consecutive: this deletes one row per append once the log is full.
      this.s.trimUpTo.run(cut);
      this.raiseFloor(cut);
    }
    return String(id);
  }

  private raiseFloor(id: number): void {
    this.floor = id;
    this.meta.set(FLOOR_KEY, String(id));
  }

  /** Inside a transaction: drops up to `max` of the oldest events older than cutoffMs. */
  trimOlderThan(cutoffMs: number, max: number): number {
    let n = 0;
    for (const row of this.s.head.all(max)) {
      if (!(row.time_ms < cutoffMs)) break;
      this.s.remove.run(row.id);
      this.raiseFloor(Math.max(this.floor, row.id));
      n++;
    }
    return n;
  }

  read(afterId: string | null, limit: number): EventBatch {
    const tail = String(this.last);
    if (afterId === null) return { events: [], next: tail, reset: null };
    const after = /^\d{1,15}$/.test(afterId) ? Number(afterId) : NaN;
    if (!(after <= this.last)) return { events: [], next: tail, reset: 'unknown_id' };
    if (after < this.floor) return { events: [], next: tail, reset: 'too_old' };
    const rows = this.s.after.all(after, batchLimit(limit));
    const events: DriftEvent[] = [];
    for (const row of rows) {
      // Validated on the way back, like every store read: a damaged row is skipped, not served.
      let parsed;
      try {
        parsed = DriftEvent.safeParse({ ...(JSON.parse(row.json) as object), id: String(row.id) });
      } catch {
        parsed = null;
      }
      if (parsed?.success) events.push(parsed.data);
      else this.log.warn({ eventId: row.id }, 'stored event does not validate; skipping it');
    }
    const lastRow = rows[rows.length - 1];
    return { events, next: lastRow ? String(lastRow.id) : afterId, reset: null };
  }
}
