import type { Database } from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Batch {
  waiters: Waiter[];
  afterCommit: Array<() => void>;
}

/**
 * Group commit for a synchronous driver. Every write runs at once, synchronously, inside the
 * batch's transaction (as a savepoint: a write that throws undoes only itself), so check-and-set
 * writes need no locking: nothing else runs between the check and the set. The batch commits on
 * the next turn of the event loop, and each write's promise resolves only then: with
 * synchronous=FULL, one fsync covers every write issued in the same turn (500 concurrent appends
 * cost one fsync, not 500). The commit's fsync runs on the event loop (a few ms on a disk).
 *
 * Reads on this connection see writes whose batch has not committed yet, as the file store's
 * memory did; if a commit fails, every write of its batch is rejected and `onRollback` lets the
 * store reload what it caches.
 */
export class GroupCommit {
  private batch: Batch | null = null;

  constructor(
    private readonly db: Database,
    private readonly onRollback: (err: Error) => void,
  ) {}

  write<T>(op: () => T): Promise<T> {
    const batch = this.open();
    let value: T;
    try {
      value = this.db.transaction(op)();
    } catch (err) {
      // A failed savepoint leaves the batch alone, except on errors (I/O, disk full) after which
      // SQLite rolled back the whole transaction: the batch's other writes are gone too.
      if (!this.db.inTransaction) this.fail(batch, err as Error);
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => batch.waiters.push({ resolve: () => resolve(value), reject }));
  }

  /** Runs fn after the current batch commits (immediately when no batch is open). */
  afterCommit(fn: () => void): void {
    if (this.batch) this.batch.afterCommit.push(fn);
    else fn();
  }

  /** Commits the open batch now (close, and callers that need the data on disk before they go on). */
  flush(): void {
    if (this.batch) this.commit(this.batch);
  }

  private open(): Batch {
    if (this.batch) return this.batch;
    this.db.exec('BEGIN IMMEDIATE');
    const batch: Batch = { waiters: [], afterCommit: [] };
    this.batch = batch;
    setImmediate(() => {
      if (this.batch === batch) this.commit(batch);
    });
    return batch;
  }

  private commit(batch: Batch): void {
    this.batch = null;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      this.fail(batch, err as Error);
      return;
    }
    for (const w of batch.waiters) w.resolve();
    for (const fn of batch.afterCommit) fn();
  }

  private fail(batch: Batch, err: Error): void {
    if (this.batch === batch) this.batch = null;
    if (this.db.inTransaction) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
    }
    this.onRollback(err);
    for (const w of batch.waiters) w.reject(err);
  }
}
