// Entry of every pooled worker thread (see worker-pool.ts): loads the pool's worker module and,
// for each task, notes when it started, so that the task's time budget counts from its own start
// and not from when it was queued behind others.
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const { default: handle } = await import(pathToFileURL(workerData.target).href);

export default function run({ task, startedAt }) {
  Atomics.store(new BigInt64Array(startedAt), 0, BigInt(Date.now()));
  return handle(task);
}
