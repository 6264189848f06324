// Differ throughput on the embedded ports (the SQLite store `driftwatch start` uses, or BENCH_STORE=file):
// unchanged snapshots (the fast path) versus snapshots that drift, across a catalog of many servers.
// The snapshots arrive as bytes, as a Kafka consumer gets them: the poller's serialising and encoding
// happen before the clock starts. Prints figures; not a test.
// Run: node --import tsx test/bench/differ-bench.ts [rounds=10] [servers=1000]   (BENCH_THREADS=n: analysis threads, default 1; BENCH_ONLY=unchanged|drifting)
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DriftwatchConfig, evaluationKeyOf, fingerprintObservation, TOPICS, type Fingerprints, type Observation, type Snapshot, type ToolInfo } from '@driftwatch/core';
import { createInProcessBus } from '@driftwatch/bus';
import { createFileStore, createSqliteStore } from '@driftwatch/store';
import { createMetrics } from '@driftwatch/runtime';
import { createDiffer, threadAnalyser } from '@driftwatch/differ';

const ROUNDS = Number(process.argv[2] ?? 10);
const SERVERS = Number(process.argv[3] ?? 1000);

// Real tool lists from the benign corpus, so the rules see realistic text; each server gets its
// own tool names (a suffix), as distinct servers of one catalog would.
const corpusDir = join(import.meta.dirname, '../corpus/benign');
const lists: ToolInfo[][] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(corpusDir, f), 'utf8')).tools as ToolInfo[])
  .filter((t) => t.length >= 5);
const toolsOf = (i: number): ToolInfo[] => lists[i % lists.length]!.map((t) => ({ ...t, name: `${t.name}_${i}` }));

/** A snapshot as the poller serialises it (head fields first: see the probe's toSnapshotMessage). */
const fingerprintsOf = new WeakMap<ToolInfo[], Fingerprints>(); // the same list polled again: computed once
function snapshot(serverId: string, pollId: string, tools: ToolInfo[]): Snapshot {
  const obs: Observation = { transport: { kind: 'stdio', sandbox: { mode: 'bwrap' } }, serverInfo: { name: serverId, version: '1' }, capabilities: { tools: {} }, tools, prompts: [], resources: [], resourceTemplates: [], models: [], conformance: [] };
  const fingerprints = fingerprintsOf.get(tools) ?? fingerprintObservation(obs);
  fingerprintsOf.set(tools, fingerprints);
  return { id: `${pollId}:snapshot`, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId, pollId, evaluationKey: evaluationKeyOf(fingerprints.snapshot, obs.transport), timings: { connectMs: 0, listMs: 0, totalMs: 0 }, fingerprints, ...obs };
}

async function run(label: string, mutate: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
  const logger = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const ids = Array.from({ length: SERVERS }, (_, i) => `s${i}`);
  const config = DriftwatchConfig.parse({ quarantineAt: 'critical', servers: ids.map((id) => ({ id, transport: 'stdio', command: 'x' })) });
  const bus = createInProcessBus({ logger, retainPerTopic: SERVERS * 2 + 100 });
  const store = process.env.BENCH_STORE === 'file' ? await createFileStore({ dir, logger }) : await createSqliteStore({ dir, logger, maintenanceIntervalMs: 0 });
  const differ = createDiffer({ config, bus, store, logger, metrics: createMetrics({ collectDefault: false }), analyser: threadAnalyser({ logger, threads: Number(process.env.BENCH_THREADS ?? 1) }) });
  await differ.start();
  const tools = ids.map((_, i) => toolsOf(i));
  // Snapshots are built, fingerprinted and serialised (the poller's work) before the clock starts.
  const rounds = Array.from({ length: ROUNDS + 2 }, (_, r) =>
    ids.map((id, i) => {
      const base = tools[i]!;
      const tl = mutate && r >= 2 ? [{ ...base[0]!, description: `${base[0]!.description ?? ''} (rev ${r})` }, ...base.slice(1)] : base;
      return snapshot(id, `p${r}`, tl);
    }),
  );
  const waitFor = async (r: number) => {
    for (const id of ids) while ((await store.getServerState(id))?.lastPollId !== `p${r}`) await new Promise((res) => setTimeout(res, 1));
  };
  // Round 0 adopts the baselines, round 1 settles them; the timed rounds follow.
  const encoded = rounds.map((round) => round.map((s) => ({ id: s.serverId, bytes: Buffer.from(JSON.stringify(s), 'utf8') })));
  for (const r of [0, 1]) {
    const t = performance.now();
    for (const s of encoded[r]!) await bus.publishRaw(TOPICS.snapshots, s.id, s.bytes);
    await waitFor(r);
    if (process.env.BENCH_LOG) process.stderr.write(`round ${r}: ${(performance.now() - t).toFixed(0)} ms\n`);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 2; r < ROUNDS + 2; r++) {
    for (const s of encoded[r]!) await bus.publishRaw(TOPICS.snapshots, s.id, s.bytes);
    await waitFor(r);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = ROUNDS * SERVERS;
  const toolCount = tools.reduce((a, l) => a + l.length, 0);
  process.stdout.write(
    `${label.padEnd(22)} ${n} snapshots (${SERVERS} servers, ${toolCount} tools) in ${ms.toFixed(0)} ms: ${(n / (ms / 1000)).toFixed(0)} snapshots/s, ` +
      `${(ms / n).toFixed(3)} ms wall and ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU each (all threads)\n`,
  );
  await differ.close();
  await bus.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const only = process.env.BENCH_ONLY; // unchanged | drifting: one of the two runs (for a profile)
if (only !== 'drifting') await run('unchanged (fast path)', false);
if (only !== 'unchanged') await run('drifting every poll', true);
process.stdout.write(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
