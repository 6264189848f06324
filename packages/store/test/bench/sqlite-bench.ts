// Hot-path latency of the embedded stores: the SQLite store against the file store it replaces.
// Not a test: prints numbers.
//   node --import tsx packages/store/test/bench/sqlite-bench.ts
// Env: BENCH_OPS (default 200 sequential operations per figure), BENCH_AUDIT (entries in the trail
// before listAuditPage is measured; default 10000).
//
// "awaited" figures are one call at a time, each awaited: the latency a caller sees, fsync
// included (both stores make a write durable before it resolves). "64 concurrent" shows what
// group commit does for throughput. "loop max" is the longest the event loop was blocked during
// the sequential run: the SQLite driver is synchronous, so its writes and fsyncs block the loop,
// where the file store's journal writes happen off it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { createFileStore, createSqliteStore, type StatePort } from '../../src/index.js';
import { action, snapshot, storedAlert } from '../fixtures/builders.js';

const log = pino({ level: 'silent' });
const OPS = Number(process.env.BENCH_OPS ?? 200);
const AUDIT = Number(process.env.BENCH_AUDIT ?? 10_000);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function sequential(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const lat: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op(i);
    lat.push(performance.now() - t0);
  }
  loop.disable();
  lat.sort((a, b) => a - b);
  const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
  process.stdout.write(
    `  ${label.padEnd(46)} mean ${mean.toFixed(2).padStart(7)} ms  p50 ${pct(lat, 50).toFixed(2).padStart(7)}  p99 ${pct(lat, 99).toFixed(2).padStart(7)}  loop max ${(loop.max / 1e6).toFixed(1).padStart(6)} ms\n`,
  );
}

async function concurrent(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) await op(next++);
    }),
  );
  const ms = performance.now() - t0;
  process.stdout.write(`  ${label.padEnd(46)} ${String(Math.round((n / ms) * 1000)).padStart(8)} ops/s\n`);
}

async function bench(name: string, store: StatePort, tag: string): Promise<void> {
  process.stdout.write(`${name}\n`);
  // A real snapshot, grown to 1 MiB of JSON by its instructions text.
  const base = snapshot('big');
  const pad = 1024 * 1024 - JSON.stringify(base).length;
  const big = snapshot('big', { instructions: 'x'.repeat(Math.max(0, pad)) });
  const blob = { fingerprint: big.fingerprints.snapshot, json: JSON.stringify(big) };
  await sequential('putLatestSnapshotJson (1 MiB), awaited', Math.min(OPS, 50), (i) => store.putLatestSnapshotJson(`srv-${i % 20}`, blob));
  await sequential('getLatestSnapshotJson (1 MiB), awaited', Math.min(OPS, 50), (i) => store.getLatestSnapshotJson(`srv-${i % 20}`));
  const alert = (i: number) => storedAlert({ id: `${tag}-a-${i}`, serverId: `srv-${i % 50}`, timeMs: i, subject: `tool-${i}`, status: i % 3 ? 'open' : 'resolved' });
  await sequential('insertAlert, awaited', OPS, (i) => store.insertAlert(alert(i)));
  await concurrent('insertAlert, 64 concurrent', 2_000, (i) => store.insertAlert(alert(OPS + i)));
  await sequential('appendAudit, awaited', OPS, (i) => store.appendAudit(action(`srv-${i % 50}`, i)));
  await concurrent('appendAudit, 64 concurrent', 2_000, (i) => store.appendAudit(action(`srv-${i % 50}`, OPS + i)));
  // Fill the trail, then page through it.
  const have = OPS + 2_000;
  for (let i = have; i < AUDIT; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, AUDIT - i) }, (_, j) => store.appendAudit(action(`srv-${(i + j) % 50}`, i + j))));
  }
  await sequential(`listAuditPage limit 100 (of ${Math.max(AUDIT, have)})`, OPS, () => store.listAuditPage({ limit: 100 }));
  await sequential('listAuditPage limit 100, one server', OPS, (i) => store.listAuditPage({ limit: 100, serverId: `srv-${i % 50}` }));
  let cursor: string | undefined;
  await sequential('listAuditPage limit 1000, paging down', 10, async () => {
    const page = await store.listAuditPage({ limit: 1000, ...(cursor ? { cursor } : {}) });
    cursor = page.nextCursor ?? undefined;
  });
}

for (const [name, open] of [
  ['sqlite store (WAL, NORMAL + off-loop WAL fsync)', (dir: string) => createSqliteStore({ dir, logger: log, maintenanceIntervalMs: 0 })],
  ['file store (journal, fdatasync)', (dir: string) => createFileStore({ dir, logger: log, maintenanceIntervalMs: 0 })],
] as const) {
  const dir = await mkdtemp(join(tmpdir(), 'dw-sqlite-bench-'));
  const store = await open(dir);
  try {
    await bench(name, store, name.slice(0, 4));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
