/**
 * The raw limit: the least a poller must do per poll of a Streamable HTTP server (initialize,
 * notifications/initialized, tools/list), with plain fetch over keep-alive connections and
 * RAW_CONCURRENCY polls in flight, round-robin over the fleet for RAW_SECONDS. No SDK client, no
 * validation beyond counting the tools, no fingerprints: what the fleet host and one Node
 * process can do, against which the services' throughput is read.
 *
 *   RAW_PORT=P RAW_SERVERS=N RAW_CONCURRENCY=C RAW_SECONDS=S node --import tsx test/bench/fleet/raw-client.ts
 *
 * Prints `{"started":…}` when the first poll goes out and one JSON result line at the end.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { percentile } from '../../hostile/stats.js';
import { serverId } from './tools.js';

const port = Number(process.env.RAW_PORT);
const servers = Number(process.env.RAW_SERVERS);
const concurrency = Number(process.env.RAW_CONCURRENCY ?? 64);
const seconds = Number(process.env.RAW_SECONDS ?? 15);
for (const [name, v] of Object.entries({ RAW_PORT: port, RAW_SERVERS: servers, RAW_CONCURRENCY: concurrency, RAW_SECONDS: seconds })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function post(url: string, body: unknown, version?: string): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: version ? { ...HEADERS, 'mcp-protocol-version': version } : HEADERS, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${(body as { method: string }).method}: HTTP ${res.status}`);
  return res;
}

async function pollOnce(id: string): Promise<number> {
  const url = `http://127.0.0.1:${port}/s/${id}`;
  const init = (await (
    await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'fleet-raw', version: '1.0.0' } } })
  ).json()) as { result?: { protocolVersion?: string } };
  const version = init.result?.protocolVersion;
  if (!version) throw new Error('initialize: no protocolVersion in the answer');
  await (await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, version)).arrayBuffer();
  const list = (await (await post(url, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, version)).json()) as { result?: { tools?: unknown[] } };
  const tools = list.result?.tools?.length ?? 0;
  if (tools === 0) throw new Error('tools/list: no tools');
  return tools;
}

let next = 0;
let polls = 0;
let failures = 0;
let firstError: string | undefined;
const latencies: number[] = [];
const started = performance.now();
const cpu0 = process.cpuUsage();
const deadline = started + seconds * 1000;
process.stdout.write(`${JSON.stringify({ started: Date.now() })}\n`);

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    const id = serverId(next++ % servers);
    const t = performance.now();
    try {
      await pollOnce(id);
      polls++;
      latencies.push(performance.now() - t);
    } catch (err) {
      failures++;
      firstError ??= (err as Error).message;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, () => worker()));
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
// Its own CPU and peak RSS: the benchmark cannot read /proc once this process has exited.
const own = { cpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / elapsed, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(
  `${JSON.stringify({ polls, failures, seconds: elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), ...own, ...(firstError ? { firstError } : {}) })}\n`,
);
