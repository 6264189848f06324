// Store throughput figures. Not a test: prints numbers.
//   node --import tsx packages/store/test/bench/store-bench.ts
// Env: REDIS_URL (default redis://127.0.0.1:6379/15; keys under a unique prefix, deleted after),
//      BENCH_ALERTS (default 100000 for Redis; the file store keeps 10000).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Severity } from '@driftwatch/core';
import { createFileStore, createRedisStore, type StatePort } from '../../src/index.js';
import { storedAlert } from '../fixtures/builders.js';

const log = pino({ level: 'silent' });
const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high'];

async function timed(label: string, ops: number, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  process.stdout.write(`  ${label.padEnd(58)} ${String(Math.round((ops / ms) * 1000)).padStart(8)} ops/s  (${ops} in ${ms.toFixed(0)} ms)\n`);
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function bench(name: string, store: StatePort, total: number): Promise<void> {
  process.stdout.write(`${name}\n`);
  // One in 5000 is critical: the "rare match" listing has to walk the whole index.
  const alert = (i: number) =>
    storedAlert({
      id: `b-${i}`,
      serverId: `srv-${i % 50}`,
      severity: i % 5000 === 0 ? 'critical' : SEVERITIES[i % 4]!,
      status: i % 3 === 0 ? 'resolved' : 'open',
      timeMs: i,
      subject: `tool-${i}`,
    });
  const seq = Math.min(500, total);
  await timed('insertAlert, sequential (each awaited)', seq, () => pool(seq, 1, (i) => store.insertAlert(alert(i))));
  await timed(`insertAlert, 64 concurrent (to ${total} alerts)`, total - seq, () =>
    pool(total - seq, 64, (i) => store.insertAlert(alert(seq + i))),
  );
  await timed('listAlerts() newest 100', 200, () => pool(200, 1, () => store.listAlerts()));
  await timed('listAlerts({serverId, status: open}) 100', 200, () =>
    pool(200, 1, (i) => store.listAlerts({ serverId: `srv-${i % 50}`, status: 'open' })),
  );
  await timed('listAlerts({limit: 1000})', 20, () => pool(20, 1, () => store.listAlerts({ limit: 1000 })));
  await timed('listAlerts({minSeverity: critical}) rare match, full walk', 5, () =>
    pool(5, 1, () => store.listAlerts({ minSeverity: 'critical' })),
  );
  await timed('quarantine + release', 500, () =>
    pool(500, 1, async (i) => {
      await store.quarantine(`q-${i}`, { reason: 'bench', actor: 'bench', at: new Date().toISOString() });
      await store.release(`q-${i}`);
    }),
  );
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const redisTotal = Number(process.env.BENCH_ALERTS ?? 100_000);

const dir = await mkdtemp(join(tmpdir(), 'dw-store-bench-'));
try {
  const file = await createFileStore({ dir, logger: log });
  await bench(`file store (${dir}, fsync per group commit)`, file, Math.min(redisTotal, 10_000));
  await file.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}

const prefix = `dwbench:${randomUUID().slice(0, 8)}:`;
const redis = createRedisStore({ url: redisUrl, keyPrefix: prefix, logger: log });
const admin = new Redis(redisUrl);
try {
  await bench(`redis store (${redisUrl})`, redis, redisTotal);
} finally {
  await redis.close();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await admin.del(...keys);
  } while (cursor !== '0');
  await admin.quit();
}
