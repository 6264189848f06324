/**
 * Re-poll stability against real MCP servers from npm: probe each unchanged server N times, a
 * fresh process each time (as the poller does), and count what our fingerprints and diff see.
 * Anything but one distinct fingerprint and zero changes is false drift an operator would be
 * paged for.
 *
 *   node --import tsx test/bench/repoll-stability.ts [--polls 50] [--server ID]... [--json]
 *
 * The servers are devDependencies of @driftwatch/test, run with this Node (no npx, no network).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { diffObservations, fingerprintObservation, ServerConfig, type Change, type Observation } from '@driftwatch/core';
import { probeServer } from '@driftwatch/probe';

const require = createRequire(import.meta.url);

export interface RealServer {
  id: string;
  pkg: string;
  pkgVersion: string;
  config: ServerConfig;
}

/** The entry file of a package's (single) bin, resolved from the test package. */
function binOf(pkg: string): { entry: string; version: string } {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string; bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  if (!bin) throw new Error(`${pkg} has no bin`);
  return { entry: join(dirname(manifestPath), bin), version: manifest.version };
}

/**
 * The reference servers, configured as an operator would. `workDir` holds what they need on
 * disk (the filesystem server's root, the memory server's store); it must stay the same across
 * the polls of one run, as a real deployment's would.
 */
export function realServers(workDir: string): RealServer[] {
  const root = join(workDir, 'fs-root');
  mkdirSync(root, { recursive: true });
  // Sandboxed servers see the host's /tmp only through their cwd (and, under root, run as nobody).
  chmodSync(workDir, 0o755);
  const specs: Array<{ id: string; pkg: string; args?: string[]; env?: Record<string, string>; cwd?: string }> = [
    { id: 'everything', pkg: '@modelcontextprotocol/server-everything', args: ['stdio'] },
    { id: 'memory', pkg: '@modelcontextprotocol/server-memory', env: { MEMORY_FILE_PATH: join(workDir, 'memory.jsonl') } },
    { id: 'filesystem', pkg: '@modelcontextprotocol/server-filesystem', args: [root], cwd: root },
    { id: 'sequential-thinking', pkg: '@modelcontextprotocol/server-sequential-thinking', env: { DISABLE_THOUGHT_LOGGING: 'true' } },
  ];
  return specs.map((s) => {
    const { entry, version } = binOf(s.pkg);
    return {
      id: s.id,
      pkg: s.pkg,
      pkgVersion: version,
      config: ServerConfig.parse({ id: s.id, transport: 'stdio', command: process.execPath, args: [entry, ...(s.args ?? [])], env: s.env ?? {}, ...(s.cwd ? { cwd: s.cwd } : {}) }),
    };
  });
}

export interface StabilityResult {
  id: string;
  pkg: string;
  pkgVersion: string;
  /** serverInfo.version as the server reports it. */
  serverVersion: string;
  tools: number;
  polls: number;
  failures: Array<{ poll: number; code: string; reason: string }>;
  /** Distinct snapshot fingerprints over the successful polls (1 = stable). */
  distinct: number;
  /** Every change diffObservations found between the first observation and a later one. */
  changes: Array<{ poll: number; change: Change }>;
  /** Paths in the observation whose values differed from the first poll (what actually varied). */
  varyingPaths: string[];
  probeMs: number[];
}

/** JSON paths where two values differ, at most `limit` of them. */
export function differingPaths(a: unknown, b: unknown, path = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  if (a === b) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const seg = Array.isArray(a) ? `[${k}]` : path ? `.${k}` : k;
      differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}${seg}`, out, limit);
    }
    return out;
  }
  out.push(path || '(root)');
  return out;
}

/** Tools keyed by name so that a reordering (which fingerprints ignore) is not reported as variation. */
function comparable(obs: Observation): unknown {
  const { conformance: _c, ...rest } = obs;
  return { ...rest, tools: Object.fromEntries(obs.tools.map((t) => [t.name, t])) };
}

export async function repoll(server: RealServer, polls: number, timeoutMs = 20_000): Promise<StabilityResult> {
  const result: StabilityResult = {
    id: server.id,
    pkg: server.pkg,
    pkgVersion: server.pkgVersion,
    serverVersion: '',
    tools: 0,
    polls,
    failures: [],
    distinct: 0,
    changes: [],
    varyingPaths: [],
    probeMs: [],
  };
  const fingerprints = new Set<string>();
  const varying = new Set<string>();
  let first: Observation | undefined;
  for (let poll = 0; poll < polls; poll++) {
    const t0 = performance.now();
    const r = await probeServer(server.config, { timeoutMs });
    result.probeMs.push(performance.now() - t0);
    if (!r.ok) {
      result.failures.push({ poll, code: r.code, reason: r.reason });
      continue;
    }
    fingerprints.add(fingerprintObservation(r.observation).snapshot);
    if (!first) {
      first = r.observation;
      result.serverVersion = first.serverInfo.version;
      result.tools = first.tools.length;
      continue;
    }
    for (const change of diffObservations(first, r.observation)) result.changes.push({ poll, change });
    for (const p of differingPaths(comparable(first), comparable(r.observation))) varying.add(p);
  }
  result.distinct = fingerprints.size;
  result.varyingPaths = [...varying].sort();
  return result;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function formatTable(results: StabilityResult[]): string {
  const header = ['server', 'package version', 'serverInfo.version', 'tools', 'polls', 'failed', 'distinct fps', 'changes', 'mean ms', 'p95 ms'];
  const rows = results.map((r) => [
    r.id,
    r.pkgVersion,
    r.serverVersion,
    String(r.tools),
    String(r.polls),
    String(r.failures.length),
    String(r.distinct),
    String(r.changes.length),
    (r.probeMs.reduce((a, b) => a + b, 0) / Math.max(1, r.probeMs.length)).toFixed(0),
    percentile(r.probeMs, 95).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  for (const r of results) {
    for (const f of r.failures.slice(0, 5)) out.push(`${r.id}: poll ${f.poll} failed: ${f.code}: ${f.reason}`);
    for (const { poll, change } of r.changes.slice(0, 10)) out.push(`${r.id}: poll ${poll}: ${change.kind} ${change.subject}: ${change.summary}`);
    if (r.varyingPaths.length) out.push(`${r.id}: varying observation paths: ${r.varyingPaths.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { polls: { type: 'string', default: '50' }, server: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  const polls = Number(values.polls);
  if (!Number.isInteger(polls) || polls < 1) throw new Error(`--polls must be a positive integer (got ${values.polls})`);
  const workDir = mkdtempSync(join(tmpdir(), 'driftwatch-repoll-'));
  try {
    const wanted = values.server ?? [];
    const servers = realServers(workDir).filter((s) => !wanted.length || wanted.includes(s.id));
    const results: StabilityResult[] = [];
    for (const server of servers) {
      process.stderr.write(`probing ${server.id} ${polls}×…\n`);
      results.push(await repoll(server, polls));
    }
    process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : formatTable(results));
    const stable = results.every((r) => r.failures.length === 0 && r.distinct === 1 && r.changes.length === 0);
    return stable ? 0 : 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.exitCode = await main();
}
