import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';

const THREAD_FILE = fileURLToPath(new URL('./checkpoint-thread.mjs', import.meta.url));

/** SQLite's own default: a checkpoint once the WAL holds 1,000 pages (4 MiB). */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1_000;

export interface Checkpointer {
  /** Stops the thread (waits for a checkpoint in progress). Memoised. */
  close(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses 1,000 pages, on the writer's thread, and syncs the WAL and the database file there:
 * under the hostile suite those commits held the event loop for 200–300 ms (/healthz p99 above its
 * 100 ms budget). Here the writer connection's automatic checkpoint is turned off and a thread with
 * its own connection checkpoints every `intervalMs`. If that thread cannot start or dies, the
 * writer gets its automatic checkpoint back: the WAL never grows without bound.
 */
export function startCheckpointer(db: Database, file: string, intervalMs: number, log: Logger): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  let closing = false;
  let fellBack = false;
  const fallBack = (why: string): void => {
    if (fellBack || closing || !db.open) return;
    fellBack = true;
    db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    log.warn({ why }, 'checkpoint thread stopped; the writer checkpoints the WAL itself again');
  };
  const worker = new Worker(THREAD_FILE, { workerData: { path: file, intervalMs } });
  // The thread must not keep a process alive that has nothing else to do.
  worker.unref();
  worker.on('message', (msg: { type: string; code?: string | null; message?: string }) => {
    if (msg.type === 'error') log.warn({ code: msg.code, err: msg.message }, 'WAL checkpoint failed; retried on the next round');
  });
  worker.on('error', (err) => fallBack(err.message));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!closing) fallBack(`exit code ${code}`);
      resolve();
    }),
  );
  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= (async () => {
        closing = true;
        // Unreferenced, it would let a process with nothing else to do exit before the thread's
        // exit event, leaving this promise (and a CLI's top-level await) unsettled: exit code 13.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return closed;
    },
  };
}
