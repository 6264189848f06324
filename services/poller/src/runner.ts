import type { ServerConfig } from '@driftwatch/core';
import { createProbeHost, packPoll, probeServer, type HostedPoll, type ProbeOptions, type ProbeResult, type ProbeTask } from '@driftwatch/probe';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';

/** Where polls run: worker threads in production, the event loop in tests with a fake probe. */
export interface PollRunner {
  /** Polls that may run at once. */
  readonly capacity: number;
  /** Resolves when polls can start without first waiting for threads to load. */
  ready(): Promise<void>;
  /**
   * Never rejects; `aborted` when the signal fired before the poll finished (publish nothing).
   * `isolate`: run it apart from healthy servers' polls where the runner can (see ProbeHost).
   */
  poll(task: ProbeTask, signal: AbortSignal, options?: { isolate?: boolean }): Promise<HostedPoll>;
  /** Servers that said their lists changed (kept stdio sessions); absent where nothing is kept. */
  onChanged?(listener: (serverId: string) => void): () => void;
  close(): Promise<void>;
}

/** The production runner: probes on worker threads (see @driftwatch/probe's probe host). */
export function threadRunner(logger: Logger, options: { threads?: number; concurrentPerThread?: number } = {}): PollRunner {
  // Two threads at least, so that servers on probation get one of their own (see ProbeHost).
  return createProbeHost({ logger, threads: Math.max(2, availableParallelism()), ...options });
}

/**
 * Runs a probe function on this thread and packs its result: for tests (a fake probe) and for
 * one-shot tools. A long-running service uses threadRunner so that hostile answers are parsed
 * off the event loop.
 */
export function inlineRunner(
  probe: (server: ServerConfig, options: ProbeOptions) => Promise<ProbeResult> = probeServer,
  capacity = 8,
): PollRunner {
  return {
    capacity,
    ready: async () => undefined,
    async poll(task, signal) {
      const result = await probe(task.server, { timeoutMs: task.server.timeout * 1000, signal });
      if (signal.aborted) return { aborted: true };
      return { aborted: false, packed: packPoll(task.server, task.pollId, result, new Date(task.now)) };
    },
    async close() {},
  };
}
