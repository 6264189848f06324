import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { secretsOfServer } from '@driftwatch/core';
import { WORKER_YOUNG_GENERATION_MB } from '@driftwatch/runtime';
import type { Logger } from 'pino';
import type { PackedPoll } from '../pack.js';
import { packPoll } from '../pack.js';
import { killGroup } from '../sandbox/index.js';
import type { HostMessage, ProbeTask, ThreadData, WorkerMessage } from './protocol.js';

export type { ProbeTask } from './protocol.js';

export interface ProbeHostOptions {
  /** Threads; default: see defaultProbeSizing. */
  threads?: number;
  /** Polls one thread runs at once (they mostly wait on the network); default 32. */
  concurrentPerThread?: number;
  /**
   * stdio polls running at once across the host (each starts a server process: CPU, not waiting);
   * default 8 per core. The others wait, in order, for a running one to finish; their deadline
   * starts when they do.
   */
  maxConcurrentStdio?: number;
  /**
   * stdio servers with `keepConnected` kept running at once, shared among the healthy threads;
   * default DEFAULT_KEPT_STDIO_SESSIONS. Past a thread's share, servers it starts are not kept.
   */
  maxKeptStdioSessions?: number;
  /**
   * Time a poll may run past its own timeout before its thread is judged stuck (a hostile answer
   * keeping it busy) and replaced; default 5 s. The probe's own deadline is the normal bound.
   */
  stallMarginMs?: number;
  /**
   * Old-generation heap per thread; default 768 MB. A typical poll holds well under a megabyte;
   * one at its byte bound (4 × 8 MiB of JSON) tens of megabytes. A thread that runs out is
   * replaced and its polls fail as `internal` (see spawn).
   */
  maxHeapMb?: number;
  logger: Logger;
}

/** Polls a probe thread runs at once by default: an HTTP probe spends nearly all its time waiting on the server. */
export const DEFAULT_CONCURRENT_PER_THREAD = 32;
/** stdio polls at once per core by default: starting a sandboxed server is CPU work, not waiting. */
export const DEFAULT_STDIO_PER_CORE = 8;
/** Kept stdio servers by default: each is a live process (tens of MB), so a modest number. */
export const DEFAULT_KEPT_STDIO_SESSIONS = 64;

export interface ProbeSizing {
  threads: number;
  concurrentPerThread: number;
  /** Polls in flight at once: threads × concurrentPerThread unless set lower. */
  maxConcurrentProbes: number;
  maxConcurrentStdio: number;
}

/**
 * The probe host's size for this machine, with whatever the operator set (config `poller:`).
 * Threads: one per core plus the isolation thread (the first thread takes only polls of servers
 * on probation, see ProbeHost.poll), so that healthy polls can use every core; at least 2. Probe
 * threads run below the event loop's priority, so the extra thread never delays it.
 */
export function defaultProbeSizing(
  configured: { threads?: number | undefined; maxConcurrentProbes?: number | undefined; maxConcurrentStdio?: number | undefined } = {},
  cores: number = availableParallelism(),
): ProbeSizing {
  const threads = configured.threads ?? Math.max(2, cores + 1);
  const maxConcurrentProbes = configured.maxConcurrentProbes ?? threads * DEFAULT_CONCURRENT_PER_THREAD;
  return {
    threads,
    // Enough per thread for maxConcurrentProbes to fit, whichever threads take them.
    concurrentPerThread: Math.max(1, Math.ceil(maxConcurrentProbes / threads)),
    maxConcurrentProbes,
    maxConcurrentStdio: configured.maxConcurrentStdio ?? Math.max(1, cores) * DEFAULT_STDIO_PER_CORE,
  };
}

/** What a poll through the host gives: the packed message, or `aborted` (cancelled: publish nothing). */
export type HostedPoll = { aborted: false; packed: PackedPoll } | { aborted: true };

export interface ProbeHost {
  /** How many polls may run at once (threads × per thread). */
  readonly capacity: number;
  /** Resolves once every thread has loaded its code (so a first poll does not spend its timeout booting). */
  ready(): Promise<void>;
  /**
   * Runs one poll on a thread. Never rejects: a stalled thread yields an `internal` probe failure.
   * `isolate`: the server has been failing, slow or large lately; with two threads or more its
   * polls run on a thread of their own, so parsing its answers never delays a healthy server's.
   */
  poll(task: ProbeTask, signal?: AbortSignal, options?: { isolate?: boolean }): Promise<HostedPoll>;
  /**
   * Calls `listener` with the id of a server kept connected that said its lists changed (at most
   * about once a second per server). Returns a function that removes the listener.
   */
  onChanged(listener: (serverId: string) => void): () => void;
  /**
   * Cancels what runs (each probe kills its server) and what waits, waits for it, closes each
   * thread's kept connections, stops the threads. Memoised.
   */
  close(): Promise<void>;
}

interface Pending {
  task: ProbeTask;
  resolve: (r: HostedPoll) => void;
  watchdog: NodeJS.Timeout;
  thread: Thread;
}

/** Time a new thread may take to load (compiling the sources, under load) before its first poll starts. */
const BOOT_ALLOWANCE_MS = 60_000;
/** Time a thread may take to close its connections when the host closes, before it is stopped regardless. */
const THREAD_CLOSE_MS = 1_500;

interface Thread {
  worker: Worker;
  booted: Promise<void>;
  tasks: Set<number>;
  /** Server processes (group leaders) this thread started and has not reaped. */
  children: Set<number>;
  dead: boolean;
  /** Resolves when the thread answers `close` (its connection pool is closed). */
  closed: Promise<void>;
}

/** A stdio poll waiting for one of the maxConcurrentStdio places. */
interface Waiting {
  start: () => void;
  abandon: () => void;
}

const THREAD_FILE = fileURLToPath(new URL('./probe-thread.mjs', import.meta.url));

/**
 * Runs probes on worker threads so that nothing an MCP server sends is parsed, validated,
 * hashed or serialised on the event loop that serves /healthz and the API. Each thread runs
 * several polls at once; a thread whose poll overruns its timeout by `stallMarginMs` is
 * terminated and replaced (its other polls report an internal failure). Child processes of a
 * terminated thread die with it (the sandbox sets a parent-death signal on the spawning thread).
 */
export function createProbeHost(options: ProbeHostOptions): ProbeHost {
  const sizing = defaultProbeSizing();
  const threadCount = options.threads ?? sizing.threads;
  const perThread = options.concurrentPerThread ?? DEFAULT_CONCURRENT_PER_THREAD;
  const maxStdio = options.maxConcurrentStdio ?? sizing.maxConcurrentStdio;
  const stallMarginMs = options.stallMarginMs ?? 5_000;
  const heapMb = options.maxHeapMb ?? 768;
  const maxKept = options.maxKeptStdioSessions ?? DEFAULT_KEPT_STDIO_SESSIONS;
  if (!Number.isInteger(threadCount) || threadCount < 1) throw new RangeError(`probe host: threads must be an integer ≥ 1 (got ${threadCount})`);
  if (!Number.isInteger(perThread) || perThread < 1) throw new RangeError(`probe host: concurrentPerThread must be an integer ≥ 1 (got ${perThread})`);
  if (!Number.isInteger(maxStdio) || maxStdio < 1) throw new RangeError(`probe host: maxConcurrentStdio must be an integer ≥ 1 (got ${maxStdio})`);
  if (!Number.isInteger(maxKept) || maxKept < 1) throw new RangeError(`probe host: maxKeptStdioSessions must be an integer ≥ 1 (got ${maxKept})`);
  if (!(stallMarginMs > 0)) throw new RangeError(`probe host: stallMarginMs must be > 0 (got ${stallMarginMs})`);
  const log = options.logger.child({ component: 'probe-host' });
  const threads: Thread[] = [];
  const pending = new Map<number, Pending>();
  /** stdio polls waiting for a place, oldest first, and how many run. */
  const waiting: Waiting[] = [];
  let stdioRunning = 0;
  const changeListeners = new Set<(serverId: string) => void>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  function spawn(): Thread {
    // A heap bound per thread: an answer built to balloon in memory costs the thread (replaced,
    // its polls failed), not the process.
    // Kept servers live on the healthy threads (see pick): the bound is shared among those.
    const workerData: ThreadData = { maxKeptSessions: Math.max(1, Math.ceil(maxKept / Math.max(1, threadCount - 1))), logLevel: log.level };
    const worker = new Worker(THREAD_FILE, { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }, workerData });
    let booted!: () => void;
    let closed!: () => void;
    const thread: Thread = {
      worker,
      booted: new Promise<void>((r) => (booted = r)),
      tasks: new Set(),
      children: new Set(),
      dead: false,
      closed: new Promise<void>((r) => (closed = r)),
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.t === 'ready') booted();
      else if (m.t === 'started') arm(m.id);
      else if (m.t === 'closed') closed();
      else if (m.t === 'child') m.alive ? thread.children.add(m.pid) : thread.children.delete(m.pid);
      else if (m.t === 'changed') for (const listener of changeListeners) listener(m.serverId);
      else if (m.t === 'log') relayLog(log, m.line);
      else settle(m.id, m);
    });
    worker.on('error', (err) => log.error({ err: err.message }, 'probe thread failed'));
    worker.on('exit', (code) => {
      for (const id of [...thread.tasks]) settle(id, { t: 'error', id, message: `probe thread exited (code ${code})` });
      booted();
      closed();
      retire(thread);
      // A thread that ended without reaping its servers (terminated, crashed) leaves them to us.
      for (const pid of thread.children) killGroup(pid, 'SIGKILL');
      thread.children.clear();
    });
    return thread;
  }

  /** Takes a thread out of rotation (once) and starts its replacement. */
  function retire(thread: Thread): void {
    if (thread.dead) return;
    thread.dead = true;
    // The replacement takes the same place: the first thread stays the isolation thread.
    const i = threads.indexOf(thread);
    if (i >= 0) {
      if (closing) threads.splice(i, 1);
      else threads.splice(i, 1, spawn());
    }
  }
  for (let i = 0; i < threadCount; i++) threads.push(spawn());

  /** (Re)starts a poll's stall watchdog once its thread has actually started it. */
  function arm(id: number): void {
    const p = pending.get(id);
    if (!p) return;
    clearTimeout(p.watchdog);
    p.watchdog = setTimeout(() => stalled(p.thread, id), p.task.server.timeout * 1000 + stallMarginMs);
  }

  function settle(id: number, m: Extract<WorkerMessage, { t: 'done' } | { t: 'aborted' } | { t: 'error' }>): void {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    p.thread.tasks.delete(id);
    clearTimeout(p.watchdog);
    if (m.t === 'done') p.resolve({ aborted: false, packed: m.packed });
    else if (m.t === 'aborted') p.resolve({ aborted: true });
    else p.resolve({ aborted: false, packed: internalFailure(p.task, m.message) });
  }

  function stalled(thread: Thread, id: number): void {
    const p = pending.get(id);
    log.error({ serverId: p?.task.server.id, polls: thread.tasks.size }, 'probe thread stalled past its poll deadline; terminating it');
    for (const other of [...thread.tasks]) {
      settle(other, { t: 'error', id: other, message: other === id ? 'the probe thread was stalled by this server and was stopped' : 'the probe thread was stopped while this poll ran' });
    }
    retire(thread);
    void thread.worker.terminate();
  }

  /** Per kept server, the healthy thread that holds its session; and how many each holds. */
  const keptThread = new Map<string, number>();
  const keptPerThread = new Array<number>(threadCount).fill(0);
  /**
   * A kept server's thread: assigned at its first poll to the healthy thread holding the fewest
   * (so the threads' shares of maxKeptStdioSessions fill evenly), then always the same.
   */
  function keptThreadOf(serverId: string): number {
    let i = keptThread.get(serverId);
    if (i === undefined) {
      i = 1;
      for (let t = 2; t < threads.length; t++) if (keptPerThread[t]! < keptPerThread[i]!) i = t;
      keptThread.set(serverId, i);
      keptPerThread[i]! += 1;
    }
    return i;
  }

  /**
   * The isolation thread is the first one; healthy polls share the others (all of them if only
   * one). A server kept connected always goes to the same healthy thread: its session lives there.
   */
  function pick(task: ProbeTask, isolate: boolean): Thread {
    if (threads.length < 2) return threads[0]!;
    if (isolate) return threads[0]!;
    if (task.server.transport === 'stdio' && task.server.keepConnected) return threads[keptThreadOf(task.server.id)]!;
    let best = threads[1]!;
    for (const t of threads.slice(1)) if (t.tasks.size < best.tasks.size) best = t;
    return best;
  }

  function dispatch(task: ProbeTask, signal: AbortSignal | undefined, isolate: boolean): Promise<HostedPoll> {
    return new Promise<HostedPoll>((resolve) => {
      const id = nextId++;
      const thread = pick(task, isolate);
      const budget = task.server.timeout * 1000 + stallMarginMs + BOOT_ALLOWANCE_MS;
      const watchdog = setTimeout(() => stalled(thread, id), budget);
      pending.set(id, { task, resolve, watchdog, thread });
      thread.tasks.add(id);
      // Classified here, where the loaded entry (and its record of `${VAR}` values) lives.
      const sent: ProbeTask = { ...task, secrets: task.secrets ?? secretsOfServer(task.server) };
      thread.worker.postMessage({ t: 'run', id, task: sent } satisfies HostMessage);
      signal?.addEventListener('abort', () => thread.worker.postMessage({ t: 'cancel', id } satisfies HostMessage), { once: true });
    });
  }

  /** Runs a stdio poll once one of the maxConcurrentStdio places is free (its probe's deadline starts then). */
  function dispatchStdio(task: ProbeTask, signal: AbortSignal | undefined, isolate: boolean): Promise<HostedPoll> {
    const run = (): Promise<HostedPoll> => {
      stdioRunning += 1;
      return dispatch(task, signal, isolate).finally(() => {
        stdioRunning -= 1;
        waiting.shift()?.start();
      });
    };
    if (stdioRunning < maxStdio) return run();
    if (signal?.aborted) return Promise.resolve({ aborted: true });
    return new Promise<HostedPoll>((resolve) => {
      const onAbort = (): void => {
        const i = waiting.indexOf(entry);
        if (i >= 0) waiting.splice(i, 1);
        resolve({ aborted: true });
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          void run().then(resolve);
        },
        abandon: () => resolve({ aborted: true }),
      };
      waiting.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    capacity: threadCount * perThread,
    async ready() {
      await Promise.all(threads.map((t) => t.booted));
    },
    onChanged(listener) {
      changeListeners.add(listener);
      return () => void changeListeners.delete(listener);
    },
    poll(task, signal, pollOptions = {}) {
      if (closing) return Promise.resolve({ aborted: true });
      const isolate = pollOptions.isolate === true;
      return task.server.transport === 'stdio' ? dispatchStdio(task, signal, isolate) : dispatch(task, signal, isolate);
    },
    close() {
      closing ??= (async () => {
        for (const w of waiting.splice(0)) w.abandon();
        for (const [id, p] of pending) if (!p.thread.dead) p.thread.worker.postMessage({ t: 'cancel', id } satisfies HostMessage);
        // Cancelled probes settle within their cleanup bound (< 1 s); the watchdogs cover the rest.
        const deadline = Date.now() + 3_000;
        while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        // Each thread closes its kept connections (bounded), then every thread is stopped.
        const live = threads.filter((t) => !t.dead);
        for (const t of live) t.worker.postMessage({ t: 'close' } satisfies HostMessage);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all(live.map((t) => t.closed)), new Promise((r) => (timer = setTimeout(r, THREAD_CLOSE_MS)))]);
        clearTimeout(timer);
        await Promise.allSettled(threads.map((t) => t.worker.terminate()));
        for (const [id] of pending) settle(id, { t: 'aborted', id });
      })();
      return closing;
    },
  };
}

/** Re-emits a probe thread's pino line through the host's logger (which redacts and writes it). */
function relayLog(log: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, ...fields } = entry;
  const name = typeof level === 'number' ? log.levels.labels[level] : undefined;
  if (name === 'debug' || name === 'info' || name === 'warn' || name === 'error') log[name](fields, typeof msg === 'string' ? msg : '');
}

function internalFailure(task: ProbeTask, message: string): PackedPoll {
  return packPoll(task.server, task.pollId, { ok: false, code: 'internal', reason: message.slice(0, 500), timings: {} }, new Date(task.now));
}
