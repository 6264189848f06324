import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { DriftwatchConfig } from '@driftwatch/core';
import { createInProcessBus, type InProcessBus } from '@driftwatch/bus';
import { createFileStore, type StatePort } from '@driftwatch/store';
import { createMetrics, type DriftwatchMetrics } from '@driftwatch/runtime';

export interface EmbeddedPorts {
  config: DriftwatchConfig;
  bus: InProcessBus;
  store: StatePort;
  metrics: DriftwatchMetrics;
  logger: Logger;
  dir: string;
  close(): Promise<void>;
}

/** Real embedded ports (in-process bus, file store in a temp dir) for service-level tests. */
export async function embeddedPorts(config: unknown): Promise<EmbeddedPorts> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-svc-'));
  const logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const bus = createInProcessBus({ logger, retryBackoffMs: 5 });
  const store = await createFileStore({ dir, logger });
  return {
    config: DriftwatchConfig.parse(config),
    bus,
    store,
    metrics: createMetrics({ collectDefault: false }),
    logger,
    dir,
    async close() {
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects every message on a topic, for assertions on what a service published. */
export async function record<T = unknown>(bus: InProcessBus, topic: string): Promise<T[]> {
  const seen: T[] = [];
  await bus.subscribe({ groupId: `recorder-${topic}-${Math.random()}`, topic, decode: (v) => v as T, handler: async (m) => void seen.push(m.value) });
  return seen;
}

export async function eventually<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
