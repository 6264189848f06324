// Differ throughput on the embedded ports (SQLite store included): unchanged snapshots (the fast
// path) versus snapshots that drift, across a catalog of many servers. Prints figures; not a test.
// Run: node --import tsx test/bench/differ-bench.ts [rounds=10] [servers=1000]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DriftwatchConfig, evaluationKeyOf, fingerprintObservation, TOPICS, type Observation, type Snapshot, type ToolInfo } from '@driftwatch/core';
import { createInProcessBus } from '@driftwatch/bus';
import { createFileStore } from '@driftwatch/store';
import { createMetrics } from '@driftwatch/runtime';
import { createDiffer } from '@driftwatch/differ';

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
function snapshot(serverId: string, pollId: string, tools: ToolInfo[]): Snapshot {
  const obs: Observation = { transport: { kind: 'stdio', sandbox: { mode: 'bwrap' } }, serverInfo: { name: serverId, version: '1' }, capabilities: { tools: {} }, tools, prompts: [], resources: [], resourceTemplates: [], models: [], conformance: [] };
  const fingerprints = fingerprintObservation(obs);
  return { id: `${pollId}:snapshot`, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId, pollId, evaluationKey: evaluationKeyOf(fingerprints.snapshot, obs.transport), timings: { connectMs: 0, listMs: 0, totalMs: 0 }, fingerprints, ...obs };
}

async function run(label: string, mutate: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
  const logger = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const ids = Array.from({ length: SERVERS }, (_, i) => `s${i}`);
  const config = DriftwatchConfig.parse({ quarantineAt: 'critical', servers: ids.map((id) => ({ id, transport: 'stdio', command: 'x' })) });
  const bus = createInProcessBus({ logger, retainPerTopic: SERVERS * 2 + 100 });
  const store = await createFileStore({ dir, logger });
  const differ = createDiffer({ config, bus, store, logger, metrics: createMetrics({ collectDefault: false }) });
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
  const encoded = rounds.map((round) => round.map((s) => ({ id: s.serverId, json: JSON.stringify(s) })));
  for (const r of [0, 1]) {
    const t = performance.now();
    for (const s of encoded[r]!) await bus.publishEncoded(TOPICS.snapshots, s.id, s.json);
    await waitFor(r);
    if (process.env.BENCH_LOG) process.stderr.write(`round ${r}: ${(performance.now() - t).toFixed(0)} ms\n`);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 2; r < ROUNDS + 2; r++) {
    for (const s of encoded[r]!) await bus.publishEncoded(TOPICS.snapshots, s.id, s.json);
    await waitFor(r);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = ROUNDS * SERVERS;
  const toolCount = tools.reduce((a, l) => a + l.length, 0);
  process.stdout.write(
    `${label.padEnd(22)} ${n} snapshots (${SERVERS} servers, ${toolCount} tools) in ${ms.toFixed(0)} ms: ${(n / (ms / 1000)).toFixed(0)} snapshots/s, ` +
      `${(ms / n).toFixed(3)} ms wall and ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms main-thread CPU each\n`,
  );
  await differ.close();
  await bus.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

await run('unchanged (fast path)', false);
await run('drifting every poll', true);
process.stdout.write(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
