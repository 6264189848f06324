import type { Database, Statement } from 'better-sqlite3';

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
 * the WAL fsync'd after it (wal-sync.ts, on the thread pool), one fsync covers every write issued
 * in the same turn (500 concurrent appends cost one fsync, not 500), and none blocks the loop.
 *
 * Reads on this connection see writes whose batch has not committed yet, as the file store's
 * memory did; if a commit fails, every write of its batch is rejected and `onRollback` lets the
 * store reload what it caches.
 */
export class GroupCommit {
  private batch: Batch | null = null;
  /** Prepared once: better-sqlite3's db.transaction() wrapper costs more than the write itself. */
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', Statement>;

  constructor(
    private readonly db: Database,
    private readonly onRollback: (err: Error) => void,
    /** Makes a committed batch durable (the WAL fsync, off the event loop); writers resolve after it. */
    private readonly durable: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT write_op'),
      release: db.prepare('RELEASE write_op'),
      undo: db.prepare('ROLLBACK TO write_op'),
    };
  }

  write<T>(op: () => T): Promise<T> {
    let batch: Batch;
    let value: T;
    try {
      batch = this.open();
    } catch (err) {
      return Promise.reject(err);
    }
    this.sql.savepoint.run();
    try {
      value = op();
      this.sql.release.run();
    } catch (err) {
      if (this.db.inTransaction) {
        // Undo this write only; the batch's other writes stay.
        try {
          this.sql.undo.run();
          this.sql.release.run();
        } catch {
          // Reported through inTransaction below.
        }
      }
      // After some errors (I/O, disk full) SQLite rolled back the whole transaction: the batch's
      // other writes are gone too, and their callers must hear it.
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
    this.sql.begin.run();
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
      this.sql.commit.run();
    } catch (err) {
      this.fail(batch, err as Error);
      return;
    }
    // Committed (visible to reads on this connection); resolved once on disk.
    this.durable().then(
      () => {
        for (const w of batch.waiters) w.resolve();
        for (const fn of batch.afterCommit) fn();
      },
      (err: Error) => {
        // The data is committed but may not be on disk: the writers must not be told it is.
        for (const w of batch.waiters) w.reject(err);
      },
    );
  }

  private fail(batch: Batch, err: Error): void {
    if (this.batch === batch) this.batch = null;
    if (this.db.inTransaction) {
      try {
        this.sql.rollback.run();
      } catch {
        // Already rolled back by SQLite.
      }
    }
    this.onRollback(err);
    for (const w of batch.waiters) w.reject(err);
  }
}
