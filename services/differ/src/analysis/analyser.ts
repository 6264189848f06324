import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createWorkerPool } from '@driftwatch/runtime';
import { analyse, toolNames } from './analyse.js';
import type { AnalyseResult, AnalyseTask, ToolNamesResult, ToolNamesTask } from './task.js';

/** Runs analyses: on worker threads in the service, inline in tests. */
export interface Analyser {
  analyse(task: AnalyseTask): Promise<AnalyseResult>;
  toolNames(task: ToolNamesTask): Promise<ToolNamesResult>;
  close(): Promise<void>;
}

export const inlineAnalyser: Analyser = {
  analyse: async (task) => analyse(task),
  toolNames: async (task) => toolNames(task),
  close: async () => undefined,
};

export interface ThreadAnalyserOptions {
  logger: Logger;
  /** Threads; default 1 (the probes and the event loop need the other core). */
  threads?: number;
  /** Per-analysis budget; past it the thread is terminated and the snapshot fails closed. Default 20 s. */
  taskTimeoutMs?: number;
  /** Heap per thread; default 512 MB (a snapshot is at most 8 MiB of JSON, its baseline as much). */
  maxHeapMb?: number;
}

/**
 * Content rules, canonicalisation and diffing of what MCP servers sent, off the event loop: a
 * tool with 150,000 schema properties or a regular expression meeting its worst input costs an
 * analysis thread its time budget, not /healthz its latency.
 */
export function threadAnalyser(options: ThreadAnalyserOptions): Analyser {
  const pool = createWorkerPool<AnalyseTask | ToolNamesTask, unknown>({
    name: 'analysis',
    filename: fileURLToPath(new URL('./thread.mjs', import.meta.url)),
    threads: options.threads ?? 1,
    taskTimeoutMs: options.taskTimeoutMs ?? 20_000,
    maxHeapMb: options.maxHeapMb ?? 512,
    logger: options.logger,
  });
  return {
    analyse: (task) => pool.run(task) as Promise<AnalyseResult>,
    toolNames: (task) => pool.run(task) as Promise<ToolNamesResult>,
    close: () => pool.close(),
  };
}
