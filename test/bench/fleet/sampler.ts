/**
 * What the benchmark reads while a mode runs: each process's CPU and peak RSS from /proc, and
 * each service's /metrics (scrape time and size, the counters summed over every label, the event
 * loop's p99 lag since the previous scrape: prom-client resets its histogram on each collect).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { clockTicksPerSecond, readStat } from '../../hostile/procs.js';
import { readCpu, readCpuPressureMicros, readMachineCpu, readMemory } from '../../hostile/samplers.js';
import { parseProm, percentile, type PromSample } from '../../hostile/stats.js';
import { httpGet } from './children.js';

const MIB = 1024 * 1024;

// ── processes ──────────────────────────────────────────────────────────────────────────────

export interface ProcFigures {
  name: string;
  /** CPU of the process itself over the window, in % of one core. */
  cpuPct: number;
  peakRssMiB: number;
}

/** CPU and peak RSS of one pid from start() to stop(); RSS sampled every second plus the kernel's high-water mark. */
export class ProcSampler {
  private readonly cpu0: ReturnType<typeof readCpu>;
  private readonly t0 = performance.now();
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly pid: number,
  ) {
    this.cpu0 = readCpu(pid);
    this.read();
    this.timer = setInterval(() => this.read(), 1_000);
  }

  private read(): void {
    const m = readMemory(this.pid);
    if (m) this.peak = Math.max(this.peak, m.rss, Number.isFinite(m.hwm) ? m.hwm : 0);
  }

  stop(): ProcFigures {
    clearInterval(this.timer);
    this.read();
    const cpu1 = readCpu(this.pid);
    const seconds = (performance.now() - this.t0) / 1000;
    const a = this.cpu0?.self;
    const b = cpu1?.self;
    return { name: this.name, cpuPct: a === undefined || b === undefined || seconds <= 0 ? Number.NaN : (100 * (b - a)) / seconds, peakRssMiB: this.peak / MIB };
  }
}

/**
 * The stdio servers the poller spawns, one per poll, each living a fraction of a second. Their
 * CPU cannot be read from the poller's reaped children: the sandbox kills a server's process
 * group, and the orphans are never reaped here (PID 1 of this container reaps nothing). So
 * /proc is scanned every 100 ms for processes running `script`, and each one's CPU is taken at
 * the last sight of it: a lower bound that misses at most the last 100 ms of each server.
 */
export class ScriptSampler {
  private readonly seen = new Map<string, number>();
  private peak = 0;
  private readonly t0 = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly script: string,
  ) {
    this.timer = setInterval(() => this.scan(), 100);
  }

  private scan(): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      if (!cmdline.includes(this.script)) continue;
      const pid = Number(entry);
      const stat = readStat(pid);
      if (!stat) continue;
      this.seen.set(`${pid}:${stat.startTicks}`, stat.utime + stat.stime);
      const m = readMemory(pid);
      if (m) this.peak = Math.max(this.peak, m.rss, Number.isFinite(m.hwm) ? m.hwm : 0);
    }
  }

  stop(): ProcFigures & { processes: number } {
    clearInterval(this.timer);
    const ticks = [...this.seen.values()].reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - this.t0) / 1000;
    return { name: this.name, cpuPct: (100 * ticks) / clockTicksPerSecond() / seconds, peakRssMiB: this.peak / MIB, processes: this.seen.size };
  }
}

/**
 * The whole machine over a window: how busy its cores were (every process, other people's
 * included: this box is shared) and the share of time some task waited for a CPU (Linux PSI).
 * High pressure means the figures are the machine's limit, not only the product's.
 */
export function machineSampler(): { stop(): string } {
  const cpu0 = readMachineCpu();
  const psi0 = readCpuPressureMicros();
  const t0 = performance.now();
  return {
    stop() {
      const cpu1 = readMachineCpu();
      const psi1 = readCpuPressureMicros();
      const busy = (100 * (cpu1.busy - cpu0.busy)) / Math.max(1, cpu1.total - cpu0.total);
      const wall = (performance.now() - t0) * 1000;
      const psi = psi0 !== undefined && psi1 !== undefined ? `, some task waiting for a CPU ${((100 * (psi1 - psi0)) / wall).toFixed(0)} % of the time` : '';
      return `machine: ${busy.toFixed(0)} % busy over ${cpus().length} cores (all processes)${psi}`;
    },
  };
}

// ── /metrics ───────────────────────────────────────────────────────────────────────────────

/** The counters the report uses, summed over every label but the one named. */
export interface Counters {
  pollsOk: number;
  pollsFailed: number;
  pollErrors: Record<string, number>;
  skipped: Record<string, number>;
  published: number;
  processed: Record<string, number>;
  pollSecondsSum: number;
  pollSecondsCount: number;
  quarantines: number;
}

export interface Scrape {
  /** ms since epoch. */
  at: number;
  ms: number;
  bytes: number;
  counters: Counters;
  /** Event-loop delay p99 since the previous scrape, in ms. */
  lagP99Ms: number;
}

const sum = (samples: readonly PromSample[], name: string, match: Record<string, string> = {}) =>
  samples.reduce((acc, s) => (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v) ? acc + s.value : acc), 0);

function byLabel(samples: readonly PromSample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (s.name === name) out[s.labels[label] ?? ''] = (out[s.labels[label] ?? ''] ?? 0) + s.value;
  return out;
}

export function countersOf(samples: readonly PromSample[]): Counters {
  return {
    pollsOk: sum(samples, 'driftwatch_polls_total', { outcome: 'ok' }),
    pollsFailed: sum(samples, 'driftwatch_polls_total', { outcome: 'failure' }),
    pollErrors: byLabel(samples, 'driftwatch_poll_errors_total', 'code'),
    skipped: byLabel(samples, 'driftwatch_polls_skipped_total', 'reason'),
    published: sum(samples, 'driftwatch_snapshots_published_total'),
    processed: byLabel(samples, 'driftwatch_snapshots_processed_total', 'outcome'),
    pollSecondsSum: sum(samples, 'driftwatch_poll_duration_seconds_sum'),
    pollSecondsCount: sum(samples, 'driftwatch_poll_duration_seconds_count'),
    quarantines: sum(samples, 'driftwatch_actions_total', { action: 'quarantine' }),
  };
}

export async function scrape(port: number, timeoutMs = 30_000): Promise<Scrape> {
  const at = Date.now();
  const res = await httpGet(port, '/metrics', timeoutMs);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const samples = parseProm(res.body);
  return { at, ms: res.ms, bytes: res.bytes, counters: countersOf(samples), lagP99Ms: sum(samples, 'driftwatch_nodejs_eventloop_lag_p99_seconds') * 1000 };
}

/** Counters of several services added up (each counts only what its own role does). */
export function addCounters(list: readonly Counters[]): Counters {
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return list.reduce(
    (acc, c) => ({
      pollsOk: acc.pollsOk + c.pollsOk,
      pollsFailed: acc.pollsFailed + c.pollsFailed,
      pollErrors: add(acc.pollErrors, c.pollErrors),
      skipped: add(acc.skipped, c.skipped),
      published: acc.published + c.published,
      processed: add(acc.processed, c.processed),
      pollSecondsSum: acc.pollSecondsSum + c.pollSecondsSum,
      pollSecondsCount: acc.pollSecondsCount + c.pollSecondsCount,
      quarantines: acc.quarantines + c.quarantines,
    }),
    { pollsOk: 0, pollsFailed: 0, pollErrors: {}, skipped: {}, published: 0, processed: {}, pollSecondsSum: 0, pollSecondsCount: 0, quarantines: 0 },
  );
}

/** b − a, key by key. */
export function deltaCounters(a: Counters, b: Counters): Counters {
  const sub = (x: Record<string, number>, y: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = (y[k] ?? 0) - (x[k] ?? 0);
      if (d !== 0) out[k] = d;
    }
    return out;
  };
  return {
    pollsOk: b.pollsOk - a.pollsOk,
    pollsFailed: b.pollsFailed - a.pollsFailed,
    pollErrors: sub(a.pollErrors, b.pollErrors),
    skipped: sub(a.skipped, b.skipped),
    published: b.published - a.published,
    processed: sub(a.processed, b.processed),
    pollSecondsSum: b.pollSecondsSum - a.pollSecondsSum,
    pollSecondsCount: b.pollSecondsCount - a.pollSecondsCount,
    quarantines: b.quarantines - a.quarantines,
  };
}

export interface ScrapeFigures {
  scrapes: number;
  failed: number;
  p50Ms: number;
  maxMs: number;
  /** Size of the last answer. */
  bytes: number;
  /** Largest and median per-scrape event-loop p99. */
  lagP99MaxMs: number;
  lagP99MedianMs: number;
}

const maxOf = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : Number.NaN);

export function scrapeFigures(list: readonly Scrape[], failed: number): ScrapeFigures {
  const lags = list.map((s) => s.lagP99Ms).filter((x) => Number.isFinite(x));
  return {
    scrapes: list.length,
    failed,
    p50Ms: percentile(list.map((s) => s.ms), 50),
    maxMs: maxOf(list.map((s) => s.ms)),
    bytes: list.at(-1)?.bytes ?? Number.NaN,
    lagP99MaxMs: maxOf(lags),
    lagP99MedianMs: percentile(lags, 50),
  };
}
