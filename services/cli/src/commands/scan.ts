import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { fingerprintObservation, Observation, ServerId } from '@driftwatch/core';
import { probeServer } from '@driftwatch/probe';
import { ConfigError, loadConfig } from '@driftwatch/runtime';
import { formatReport, type Report, type ReportFinding } from '../report/index.js';
import { CliError, failing, formatOf, parse, ruleDescriptors, severityOf } from './common.js';
import { scanFindings } from './scan-findings.js';

/** What `--write-baseline` records and `--baseline` compares with: one observation per server. */
const BaselineFile = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  servers: z.record(ServerId, z.object({ fingerprint: z.string(), observation: Observation })),
});
type BaselineFile = z.infer<typeof BaselineFile>;

export const SCAN_USAGE = `driftwatch scan --config FILE [--server ID]... [--baseline FILE] [--write-baseline FILE]
                [--format text|json|sarif] [--fail-on SEVERITY] [--allow-unreachable]
  Probes the configured servers once and reports what the differ would alert on: content
  findings, pinned-model mismatches, what could not be read, exposed secrets and, given
  --baseline, the drift against it. Exit codes: 0 clean; 1 a finding reaches --fail-on (default high); 2 bad input;
  3 a server could not be read in full (unreachable, or parts it could not keep) — a scan that
  did not see everything does not pass, unless --allow-unreachable is given.
`;

/** Exit code when a server could not be read in full (distinct from findings at --fail-on). */
export const EXIT_UNREADABLE = 3;

/** A baseline holds one observation per server; each is bounded by the snapshot limit. */
const MAX_BASELINE_BYTES = 64 * 1024 * 1024;

/** Probes running at once: a CI job should not wait for servers one by one, nor fork hundreds. */
const PROBE_CONCURRENCY = 8;

async function readBaseline(file: string): Promise<BaselineFile> {
  let json: unknown;
  try {
    const { size } = await stat(file);
    if (size > MAX_BASELINE_BYTES) throw new Error(`${size} bytes; the limit is ${MAX_BASELINE_BYTES}`);
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read baseline ${file}: ${(err as Error).message}`);
  }
  const r = BaselineFile.safeParse(json);
  if (!r.success) throw new CliError(`${file} is not a driftwatch baseline: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

/** `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function writeBaseline(file: string, content: BaselineFile): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new CliError(`cannot write baseline ${file}: ${(err as Error).message}`);
  }
}

export async function scan(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(argv, {
    config: { type: 'string', short: 'c' },
    server: { type: 'string', multiple: true },
    baseline: { type: 'string' },
    'write-baseline': { type: 'string' },
    format: { type: 'string', short: 'f' },
    'fail-on': { type: 'string' },
    'allow-unreachable': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(SCAN_USAGE);
    return 0;
  }
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\n\n${SCAN_USAGE}`);
  const configPath = (values.config as string | undefined) ?? process.env.DRIFTWATCH_CONFIG;
  if (!configPath) throw new CliError(`--config FILE is required\n\n${SCAN_USAGE}`);
  const format = formatOf(values.format as string | undefined);
  const failOn = severityOf(values['fail-on'] as string | undefined, '--fail-on', 'high');

  let config;
  try {
    config = await loadConfig(resolve(configPath));
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const wanted = (values.server as string[] | undefined) ?? [];
  for (const id of wanted) if (!config.servers.some((s) => s.id === id)) throw new CliError(`--server ${id}: not in ${configPath}`);
  const servers = wanted.length ? config.servers.filter((s) => wanted.includes(s.id)) : config.servers;
  const baseline = values.baseline ? await readBaseline(values.baseline as string) : undefined;

  const results = await mapBounded(servers, PROBE_CONCURRENCY, async (s) => ({ server: s, result: await probeServer(s, { timeoutMs: s.timeout * 1000 }) }));
  const findings: ReportFinding[] = [];
  const notes: string[] = [];
  const observed = new Map<string, Observation>();
  const unreadable: string[] = [];
  for (const { server, result } of results) {
    if (!result.ok) {
      unreadable.push(server.id);
      continue;
    }
    observed.set(server.id, result.observation);
    for (const p of result.observation.conformance) notes.push(`${server.id}: ${p.method}: ${p.message}`);
    if (result.observation.unverifiable?.length) unreadable.push(server.id);
  }
  // Every server, reachable or not, through the differ's decision (an outage is a finding too).
  const now = new Date();
  for (const { server, result } of results) {
    const id = server.id;
    const otherServers = [...observed].filter(([o]) => o !== id).map(([serverId, o]) => ({ serverId, toolNames: o.tools.map((t) => t.name) }));
    const base = baseline?.servers[id];
    if (baseline && result.ok && !base) notes.push(`${id}: not in the baseline file; first sight`);
    const r = scanFindings({ server, result, baseline: base?.observation, otherServers, tuning: config.rules ?? {}, now });
    findings.push(...r.findings);
    for (const s of r.suppressed) notes.push(`${id}: suppressed ${s.finding.ruleId} at ${s.finding.field} (${s.rule.reason})`);
  }

  if (values['write-baseline']) {
    const file = values['write-baseline'] as string;
    const content: BaselineFile = { version: 1, createdAt: new Date().toISOString(), servers: {} };
    for (const [id, observation] of observed) content.servers[id] = { fingerprint: fingerprintObservation(observation).snapshot, observation };
    await writeBaseline(file, content);
    notes.push(`baseline of ${observed.size} server(s) written to ${file}`);
    // An unreachable server has nothing to record; say so rather than leave a silent gap.
    for (const s of servers) if (!observed.has(s.id)) notes.push(`${s.id}: unreachable, not in the baseline written to ${file}`);
  }

  const allowUnreachable = values['allow-unreachable'] === true;
  if (unreadable.length) {
    notes.push(
      `${unreadable.length} server(s) could not be read in full: ${unreadable.join(', ')}` +
        (allowUnreachable ? ' (allowed by --allow-unreachable)' : `; exit ${EXIT_UNREADABLE} (pass --allow-unreachable to accept)`),
    );
  }
  const report: Report = { source: `config:${configPath}`, findings, rules: ruleDescriptors(), notes };
  out(formatReport(report, format));
  if (unreadable.length && !allowUnreachable) return EXIT_UNREADABLE;
  return failing(findings, failOn) ? 1 : 0;
}
