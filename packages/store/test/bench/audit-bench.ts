// Audit trail and event log cost on Redis. Not a test: prints numbers.
//   node --import tsx packages/store/test/bench/audit-bench.ts
// Env: REDIS_URL (default redis://127.0.0.1:6379; keys under a unique prefix, deleted after),
//      BENCH_AUDIT (default 10000), BENCH_BACKGROUND (entries added first, to show page cost does
//      not grow with the trail; default 100000).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Action } from '@driftwatch/core';
import { createRedisStore } from '../../src/index.js';

const log = pino({ level: 'silent' });
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_AUDIT ?? 10_000);
const BACKGROUND = Number(process.env.BENCH_BACKGROUND ?? 100_000);
const prefix = `dwbench:${randomUUID().slice(0, 8)}:`;
const base = Date.now() - 3600_000;
let seq = 0;
const act = (serverId: string, ms: number): Action => ({
  id: `act-${++seq}`,
  type: 'action',
  version: 1,
  time: new Date(base + ms).toISOString(),
  serverId,
  action: 'approve',
  actor: 'key:bench',
  reason: 'approved after review of the changed tool description',
});

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(3);
  return `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${s[s.length - 1]!.toFixed(3)} ms`;
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < n) await fn(next++); }));
}

const store = createRedisStore({ url, keyPrefix: prefix, logger: log, maintenanceIntervalMs: 0 });
await store.countQuarantined();
const out = (line: string) => process.stdout.write(`${line}\n`);
try {
  out(`Redis ${url}, ${N} actions (+${BACKGROUND} older ones first)`);
  let t0 = performance.now();
  await pool(BACKGROUND, 64, (i) => store.appendAudit(act(`bg-${i % 50}`, i)));
  out(`  background fill: ${BACKGROUND} appends, 64 concurrent, in ${(performance.now() - t0).toFixed(0)} ms`);

  const lat: number[] = [];
  t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await store.appendAudit(act(`s-${i % 7}`, BACKGROUND + i));
    lat.push(performance.now() - s);
  }
  const seqMs = performance.now() - t0;
  out(`  appendAudit, one at a time: ${N} in ${seqMs.toFixed(0)} ms (${(seqMs / N).toFixed(3)} ms each; ${stats(lat)})`);
  t0 = performance.now();
  await pool(N, 64, (i) => store.appendAudit(act(`s-${i % 7}`, BACKGROUND + N + i)));
  const parMs = performance.now() - t0;
  out(`  appendAudit, 64 concurrent: ${N} in ${parMs.toFixed(0)} ms (${Math.round((N / parMs) * 1000)} /s)`);

  for (const limit of [100, 1000]) {
    const times: number[] = [];
    for (let r = 0; r < 50; r++) {
      const s = performance.now();
      await store.listAuditPage({ limit });
      times.push(performance.now() - s);
    }
    out(`  first page, limit ${limit}: ${stats(times)}`);
  }
  // Walk all N + N + BACKGROUND entries in pages of 1000: the cost per page must not grow with depth.
  const pageTimes: number[] = [];
  let cursor: string | undefined;
  let total = 0;
  t0 = performance.now();
  do {
    const s = performance.now();
    const page = await store.listAuditPage({ limit: 1000, ...(cursor ? { cursor } : {}) });
    pageTimes.push(performance.now() - s);
    total += page.actions.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  out(`  full walk, pages of 1000: ${total} actions, ${pageTimes.length} pages in ${(performance.now() - t0).toFixed(0)} ms; first page ${pageTimes[0]!.toFixed(2)} ms, last page ${pageTimes[pageTimes.length - 1]!.toFixed(2)} ms; ${stats(pageTimes)}`);
  const perServer: number[] = [];
  for (let r = 0; r < 50; r++) {
    const s = performance.now();
    await store.listAuditPage({ limit: 100, serverId: 's-3' });
    perServer.push(performance.now() - s);
  }
  out(`  one server's first page, limit 100: ${stats(perServer)}`);

  const ev: number[] = [];
  let next = (await store.readEvents(null, 0)).next;
  for (let i = 0; i < 1000; i++) {
    const s = performance.now();
    await store.appendEvent({ type: 'status', serverId: 's-1', data: { from: 'ok', to: 'drifted' } });
    ev.push(performance.now() - s);
  }
  out(`  appendEvent: ${stats(ev)}`);
  const rd: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    const b = await store.readEvents(next, 200);
    rd.push(performance.now() - s);
    next = b.events.length ? b.next : next;
  }
  out(`  readEvents (poll, up to 200): ${stats(rd)}`);

  // Pruning: age everything out with a clock 401 days ahead, in the store's bounded runs.
  const later = createRedisStore({ url, keyPrefix: prefix, logger: log, maintenanceIntervalMs: 0, now: () => new Date(Date.now() + 401 * 86_400_000) });
  t0 = performance.now();
  let runs = 0;
  let removed = 0;
  for (;;) {
    const r = await later.prune();
    runs++;
    removed += r.audit;
    if (r.audit === 0) break;
  }
  out(`  prune: ${removed} entries in ${runs} runs (≤10,000 each), ${(performance.now() - t0).toFixed(0)} ms`);
  await later.close();
} finally {
  await store.close();
  const admin = new Redis(url);
  let c = '0';
  do {
    const [n2, keys] = await admin.scan(c, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    c = n2;
    if (keys.length) await admin.del(...keys);
  } while (c !== '0');
  await admin.quit();
}
