import type { SecretValue, ServerConfig } from '@driftwatch/core';
import type { PackedPoll } from '../pack.js';

/** One poll to run on a probe thread. */
export interface ProbeTask {
  server: ServerConfig;
  pollId: string;
  /** Wall-clock time of the poll (ms since the epoch), for the message envelope. */
  now: number;
  /**
   * The server's secrets, classified on the main thread (the host fills it in): the thread's
   * structured-clone copy of `server` no longer carries the config loader's record of which
   * values came from `${VAR}`.
   */
  secrets?: SecretValue[];
}

/** Main thread → probe thread. `close`: the host is stopping; close kept connections, then say `closed`. */
export type HostMessage = { t: 'run'; id: number; task: ProbeTask } | { t: 'cancel'; id: number } | { t: 'close' };

/** Probe thread → main thread. `aborted`: cancelled before it finished; nothing to publish. */
export type WorkerMessage =
  /** The thread has loaded its code and takes polls. */
  | { t: 'ready' }
  | { t: 'started'; id: number }
  /** Answer to `close`: the thread's connection pool is closed. */
  | { t: 'closed' }
  /** A server process (group leader) the thread started or reaped. */
  | { t: 'child'; pid: number; alive: boolean }
  /** A log line of the thread (pino JSON), for the host's logger: the thread has no sink of its own. */
  | { t: 'log'; line: string }
  /** A kept stdio server said one of its lists changed (coalesced per server, see StdioSessions). */
  | { t: 'changed'; serverId: string }
  | { t: 'done'; id: number; packed: PackedPoll }
  | { t: 'aborted'; id: number }
  | { t: 'error'; id: number; message: string };

/** What a probe thread is started with (its workerData). */
export interface ThreadData {
  /** stdio sessions (`keepConnected`) this thread keeps at most. */
  maxKeptSessions: number;
  /** The host logger's level: lines below it are not even sent. */
  logLevel: string;
}
