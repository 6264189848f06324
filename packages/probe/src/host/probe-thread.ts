// The body of a probe thread: runs polls for the host, several at once (they mostly wait on I/O),
// and packs each result (fingerprints, JSON) here, off the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '@driftwatch/runtime';
import { pino } from 'pino';
import { onChildProcess } from '../child-registry.js';
import { closeSharedConnectionPool } from '../connection-pool.js';

/** Niceness of probe threads. */
const THREAD_NICENESS = 5;
import { packPoll } from '../pack.js';
import { launcher, warmUpSandbox } from '../sandbox/index.js';
import { probeServer } from '../probe.js';
import { StdioSessions } from '../stdio-sessions.js';
import type { HostMessage, ThreadData, WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('probe-thread runs in a worker thread only');
const running = new Map<number, AbortController>();
const data = workerData as ThreadData | undefined;
/** What the probes log here (a kept server's restart and why, a probe's outcome at debug) goes to the host's logger. */
const logger = pino({ level: data?.logLevel ?? 'info', base: null, timestamp: false }, { write: (line: string) => send({ t: 'log', line }) });
/** stdio servers with `keepConnected` whose polls the host routes to this thread. */
const sessions = new StdioSessions({
  maxSessions: data?.maxKeptSessions ?? 1,
  onChanged: (serverId) => send({ t: 'changed', serverId }),
});
// Below the event loop (nice 0), above the probed servers (nice 10): see lowerThreadPriority.
lowerThreadPriority(THREAD_NICENESS);
onChildProcess((pid, alive) => send({ t: 'child', pid, alive }));

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

async function run(id: number, task: Extract<HostMessage, { t: 'run' }>['task']): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  // The host's stall watchdog counts from here, not from a thread still booting.
  send({ t: 'started', id });
  try {
    const result = await probeServer(task.server, {
      timeoutMs: task.server.timeout * 1000,
      signal: controller.signal,
      sessions,
      logger,
      ...(task.secrets ? { secrets: task.secrets } : {}),
    });
    if (controller.signal.aborted) {
      send({ t: 'aborted', id });
      return;
    }
    send({ t: 'done', id, packed: packPoll(task.server, task.pollId, result, new Date(task.now)) });
  } catch (err) {
    send({ t: 'error', id, message: err instanceof Error ? err.message : String(err) });
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: HostMessage) => {
  if (message.t === 'run') void run(message.id, message.task);
  else if (message.t === 'cancel') running.get(message.id)?.abort();
  else {
    for (const controller of running.values()) controller.abort();
    void Promise.allSettled([closeSharedConnectionPool(), sessions.close()]).finally(() => send({ t: 'closed' }));
  }
});

// Loading (compiling the sources, importing the SDK) takes seconds on a busy box, and so does the
// sandbox self-test: both are done before the thread says it is ready for polls.
await warmUpSandbox();
launcher().warmUp();
send({ t: 'ready' });
