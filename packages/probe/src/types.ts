import type { Observation, ProbeFailureCode, ProbeTimings, SecretValue, TransportFacts } from '@driftwatch/core';
import type { Logger } from 'pino';
import type { ResolveHost } from './address-guard.js';
import type { ConnectionPool } from './connection-pool.js';
import type { StdioSessions } from './stdio-sessions.js';

export type ProbeResult =
  | { ok: true; observation: Observation; timings: ProbeTimings }
  | {
      ok: false;
      code: ProbeFailureCode;
      reason: string;
      transport?: Partial<TransportFacts>;
      timings: Partial<ProbeTimings>;
    };

export interface ProbeOptions {
  /** Wall-clock budget for the whole probe; the promise settles at most ~1 s after it. */
  timeoutMs: number;
  /** Aborting it ends the probe early (reported as `internal`, "probe aborted"). */
  signal?: AbortSignal;
  logger?: Logger;
  /**
   * Largest single message accepted from the server (one stdio line, one HTTP body or SSE stream).
   * The whole probe may receive at most 4× this. Default 8 MiB.
   */
  maxResponseBytes?: number;
  /**
   * Resolves host names for the SSRF guard (default: the system resolver). Tests use it to make
   * a name "resolve" to any address without DNS.
   */
  lookup?: ResolveHost;
  /**
   * The server's secrets as the process that loaded the config classified them (core's
   * secretsOfServer). Default: classified here, from `server`. A probe thread gets a copy of the
   * entry, which has lost what the loader recorded about `${VAR}` values, so the host passes them.
   */
  secrets?: readonly SecretValue[];
  /**
   * Keep-alive HTTP connections to reuse (see connection-pool.ts); default: the thread's shared
   * pool. Tests pass their own to count connections.
   */
  pool?: ConnectionPool;
  /**
   * Where stdio servers with `keepConnected` are kept between polls (a probe thread's own).
   * Without it every poll starts and stops the server, as one-shot commands must.
   */
  sessions?: StdioSessions;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
