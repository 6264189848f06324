// Entry of the checkpoint thread (plain JavaScript: it needs no loader). It holds its own read
// connection to the store's database and folds the write-ahead log back into the database file
// every `intervalMs`, with PASSIVE checkpoints: they copy what no reader still needs and never wait
// for the writer, so the writer on the event loop never waits for them either. A checkpoint syncs
// the WAL and the database file (synchronous=NORMAL), which is why it runs here and not there.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, intervalMs } = workerData;
const db = new Database(path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
// Busy (another checkpoint, or the writer's own at close): skip this round, try the next.
db.pragma('busy_timeout = 0');

function checkpoint() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (err && err.code === 'SQLITE_BUSY') return;
    parentPort.postMessage({ type: 'error', code: err?.code ?? null, message: String(err?.message ?? err).slice(0, 300) });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
