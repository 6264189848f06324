// Differ throughput on the embedded ports: unchanged snapshots (the fast path) versus snapshots
// that drift. Prints figures; not a test. Run: node --import tsx test/bench/differ-bench.ts
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DriftwatchConfig, fingerprintObservation, TOPICS, type Observation, type Snapshot, type ToolInfo } from '@driftwatch/core';
import { createInProcessBus } from '@driftwatch/bus';
import { createFileStore } from '@driftwatch/store';
import { createMetrics } from '@driftwatch/runtime';
import { createDiffer } from '@driftwatch/differ';

const SERVERS = 20;
const ROUNDS = Number(process.argv[2] ?? 25);

// Real tool lists from the benign corpus, so the rules see realistic text.
const corpusDir = join(import.meta.dirname, '../corpus/benign');
const lists: ToolInfo[][] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(corpusDir, f), 'utf8')).tools as ToolInfo[])
  .filter((t) => t.length >= 5)
  .slice(0, SERVERS);

function snapshot(serverId: string, pollId: string, tools: ToolInfo[]): Snapshot {
  const obs: Observation = { transport: { kind: 'stdio' }, serverInfo: { name: serverId, version: '1' }, capabilities: { tools: {} }, tools, prompts: [], resources: [], resourceTemplates: [], models: [], conformance: [] };
  return { id: pollId, type: 'snapshot', version: 1, time: new Date().toISOString(), serverId, pollId, timings: { connectMs: 0, listMs: 0, totalMs: 0 }, fingerprints: fingerprintObservation(obs), ...obs };
}

async function run(label: string, mutate: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
  const logger = pino({ level: 'silent' });
  const config = DriftwatchConfig.parse({ quarantineAt: 'critical', servers: lists.map((_, i) => ({ id: `s${i}`, transport: 'stdio', command: 'x' })) });
  const bus = createInProcessBus({ logger, retainPerTopic: 100 });
  const store = await createFileStore({ dir, logger });
  const differ = createDiffer({ config, bus, store, logger, metrics: createMetrics({ collectDefault: false }) });
  await differ.start();
  let handled = 0;
  await bus.subscribe({ groupId: 'count', topic: TOPICS.snapshots, decode: (v) => v, handler: async () => void handled++ });
  // Round 0 adopts the baselines; the timed rounds follow.
  for (let i = 0; i < lists.length; i++) await bus.publish(TOPICS.snapshots, `s${i}`, snapshot(`s${i}`, 'p0', lists[i]!));
  const waitFor = async (n: number) => {
    while ((await store.getServerState(`s${lists.length - 1}`))?.lastPollId !== `p${n}`) await new Promise((r) => setTimeout(r, 2));
  };
  await waitFor(0);
  const tools = lists.reduce((a, l) => a + l.length, 0);
  const t0 = performance.now();
  for (let r = 1; r <= ROUNDS; r++) {
    for (let i = 0; i < lists.length; i++) {
      const base = lists[i]!;
      const tl = mutate ? [{ ...base[0]!, description: `${base[0]!.description ?? ''} (rev ${r})` }, ...base.slice(1)] : base;
      await bus.publish(TOPICS.snapshots, `s${i}`, snapshot(`s${i}`, `p${r}`, tl));
    }
    await waitFor(r);
  }
  const ms = performance.now() - t0;
  const n = ROUNDS * lists.length;
  process.stdout.write(`${label.padEnd(22)} ${n} snapshots (${lists.length} servers, ${tools} tools) in ${ms.toFixed(0)} ms: ${(n / (ms / 1000)).toFixed(0)} snapshots/s, ${(ms / n).toFixed(2)} ms each\n`);
  await differ.close();
  await bus.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

await run('unchanged (fast path)', false);
await run('drifting every poll', true);
process.stdout.write(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
