/**
 * Raw mode: raw-client.ts (a child, so its CPU is its own) polls the fleet's HTTP servers as
 * fast as it can; the polls per minute it reaches are the raw limit every service figure is
 * divided by. Also run briefly before each service mode (--raw-seconds) for those ratios.
 */
import { join } from 'node:path';
import { TSX_LOADER } from '../../../fixtures/servers/launch.js';
import { type Scope } from '../children.js';
import type { Fleet } from '../fleet.js';
import type { FleetOptions } from '../options.js';
import type { RunResult } from '../report.js';
import { machineSampler, ProcSampler } from '../sampler.js';

const CLIENT = join(import.meta.dirname, '..', 'raw-client.ts');

interface RawOutput {
  polls: number;
  failures: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  cpuPct: number;
  peakRssMiB: number;
  firstError?: string;
}

export async function runRaw(scope: Scope, dir: string, fleet: Fleet, o: FleetOptions, seconds: number, log: (line: string) => void): Promise<RunResult> {
  if (fleet.httpIds.length === 0) throw new Error('raw mode needs HTTP servers: the whole fleet is stdio');
  const started = performance.now();
  const client = scope.spawn('raw client', process.execPath, ['--import', TSX_LOADER, CLIENT], join(dir, `raw-client-${Date.now()}.log`), {
    env: { ...process.env, RAW_PORT: String(fleet.port), RAW_SERVERS: String(fleet.httpIds.length), RAW_CONCURRENCY: String(o.rawConcurrency), RAW_SECONDS: String(seconds) },
    pipes: true,
  });
  const lines: string[] = [];
  let host: ProcSampler | undefined;
  let machine: ReturnType<typeof machineSampler> | undefined;
  let buffer = '';
  client.proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      // The first line: polling begins now, so sampling begins now.
      if (lines.length === 1) {
        host = new ProcSampler('fleet host', fleet.host.pid);
        machine = machineSampler();
      }
    }
  });
  const { code, signal } = await client.exited;
  const hostFigures = host?.stop();
  const machineNote = machine?.stop();
  const last = lines.at(-1);
  if (code !== 0 || lines.length < 2 || !last || !hostFigures) throw new Error(`the raw client failed (${signal ?? `code ${code}`}); last lines of ${client.logFile}:\n${client.tail()}`);
  const out = JSON.parse(last) as RawOutput;
  const processes = [{ name: 'raw client', cpuPct: out.cpuPct, peakRssMiB: out.peakRssMiB }, hostFigures];
  const perMin = (out.polls * 60) / out.seconds;
  log(`raw: ${out.polls} polls in ${out.seconds.toFixed(1)} s = ${Math.round(perMin)}/min (${o.rawConcurrency} in flight), ${out.failures} failed${out.firstError ? ` (${out.firstError})` : ''}`);
  return {
    mode: 'raw',
    servers: fleet.size,
    stdio: fleet.stdioIds.length,
    intervalS: o.intervalS,
    windowS: out.seconds,
    wallS: (performance.now() - started) / 1000,
    targetPerMin: (fleet.httpIds.length * 60) / o.intervalS,
    rawLimitPerMin: perMin,
    raw: { concurrency: o.rawConcurrency, polls: out.polls, failures: out.failures, p50Ms: out.p50Ms, p99Ms: out.p99Ms },
    processes,
    notes: [
      `HTTP servers only (${fleet.httpIds.length}); initialize + initialized + tools/list per poll`,
      ...(machineNote ? [machineNote] : []),
      ...(out.firstError ? [`first error: ${out.firstError}`] : []),
    ],
  };
}
