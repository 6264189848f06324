import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { WORKER_YOUNG_GENERATION_MB } from './thread-memory.js';

/** Why a pooled task did not produce a result. */
export type WorkerTaskErrorCode = 'timeout' | 'failed' | 'closed' | 'queue_full';

export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    readonly code: WorkerTaskErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface WorkerPoolOptions {
  /** Shown in logs and errors. */
  name: string;
  /** The worker module (an .mjs file whose default export handles one task). */
  filename: string;
  /** Threads kept; default: the machine's cores. */
  threads?: number;
  /** Tasks allowed to wait for a thread; over it, run() rejects with `queue_full`. */
  maxQueue?: number;
  /** Old-generation heap per thread: a hostile input runs a worker out of memory, not the process. */
  maxHeapMb?: number;
  /** Budget per task unless run() says otherwise; past it, the thread running it is terminated. */
  taskTimeoutMs: number;
  logger: Logger;
}

export interface WorkerPool<I, O> {
  /**
   * Runs one task on a thread. Rejects with WorkerTaskError; a task never runs past its budget
   * (counted from its start on a thread: a task waiting its turn is not timed out for waiting).
   */
  run(task: I, options?: { timeoutMs?: number; transferList?: ArrayBuffer[] }): Promise<O>;
  /** Tasks running or waiting. */
  readonly pending: number;
  /** Waits for running tasks, then stops the threads. Memoised. */
  close(): Promise<void>;
}

/**
 * A pool of worker threads for CPU-bound work that must not run on the event loop (parsing,
 * hashing and scanning what MCP servers send), one task per thread at a time. Each task has a
 * time budget: a task that overruns it — a pathological input, a regular expression gone
 * quadratic — costs its thread, which is terminated and replaced, never the process's
 * responsiveness. (I/O-bound probes have their own host: see @driftwatch/probe.)
 */
const RUNNER = fileURLToPath(new URL('./worker-runner.mjs', import.meta.url));

export function createWorkerPool<I, O>(options: WorkerPoolOptions): WorkerPool<I, O> {
  const threads = options.threads ?? availableParallelism();
  const maxQueue = options.maxQueue ?? threads * 64;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`${options.name}: threads must be an integer ≥ 1 (got ${threads})`);
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError(`${options.name}: maxQueue must be an integer ≥ 0 (got ${maxQueue})`);
  if (!(options.taskTimeoutMs > 0)) throw new RangeError(`${options.name}: taskTimeoutMs must be > 0 (got ${options.taskTimeoutMs})`);
  const pool = new Piscina<{ task: I; startedAt: SharedArrayBuffer }, O>({
    filename: RUNNER,
    workerData: { target: options.filename },
    name: 'default',
    minThreads: threads,
    maxThreads: threads,
    // Threads stay up (idleTimeout): a new one loads and compiles the sources again.
    idleTimeout: 2 ** 31 - 1, // the largest timer Node accepts
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, ...(options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : {}) },
  });
  pool.on('error', (err: unknown) => options.logger.error({ pool: options.name, err }, 'worker pool error'));
  let pending = 0;
  let closing: Promise<void> | undefined;

  return {
    get pending() {
      return pending;
    },
    async run(task, runOptions = {}) {
      if (closing) throw new WorkerTaskError('closed', `${options.name}: pool is closed`);
      // Our own bound: piscina's counts only tasks queued once a thread is up.
      if (pending >= threads + maxQueue) throw new WorkerTaskError('queue_full', `${options.name}: ${pending} tasks already running or waiting`);
      const budget = runOptions.timeoutMs ?? options.taskTimeoutMs;
      // The budget counts from the task's start on its thread (the runner writes it here), not
      // from its submission: a backlog on a busy machine is never mistaken for a task built to
      // be expensive. The wait itself is bounded by the queue bound and the tasks ahead.
      const startedAt = new SharedArrayBuffer(8);
      const controller = new AbortController();
      let timer: NodeJS.Timeout;
      const check = (): void => {
        const started = Number(Atomics.load(new BigInt64Array(startedAt), 0));
        const left = started === 0 ? budget : started + budget - Date.now();
        if (started !== 0 && left <= 0) controller.abort();
        else timer = setTimeout(check, left);
      };
      timer = setTimeout(check, budget);
      pending += 1;
      try {
        return await pool.run({ task, startedAt }, { signal: controller.signal, ...(runOptions.transferList ? { transferList: runOptions.transferList } : {}) });
      } catch (err) {
        if (controller.signal.aborted) {
          options.logger.warn({ pool: options.name, budgetMs: budget }, 'worker task overran its time budget; its thread was terminated');
          throw new WorkerTaskError('timeout', `${options.name}: task overran its ${budget} ms budget`);
        }
        const message = err instanceof Error ? err.message : String(err);
        throw new WorkerTaskError('failed', `${options.name}: ${message.slice(0, 500)}`);
      } finally {
        clearTimeout(timer);
        pending -= 1;
      }
    },
    close() {
      closing ??= pool.close().catch((err: unknown) => {
        options.logger.error({ pool: options.name, err }, 'worker pool did not close cleanly');
      });
      return closing;
    },
  };
}
