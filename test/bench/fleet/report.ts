/** The figures of one run (a mode at one fleet size), and the Markdown tables printed at the end. */
import type { Mode } from './options.js';
import type { ProcFigures, ScrapeFigures } from './sampler.js';

export interface ProcessResult extends ProcFigures {
  /** Services only: their /metrics. */
  metrics?: ScrapeFigures;
}

export interface RunResult {
  mode: Mode;
  servers: number;
  stdio: number;
  intervalS: number;
  /** Seconds the rates were measured over (after the warm-up). */
  windowS: number;
  /** Wall time of the whole run: start, measure, settle, stop. */
  wallS: number;
  /** Polls per minute the schedule asks for: servers × 60 / interval (HTTP only in raw mode: it has no schedule). */
  targetPerMin: number;
  /** Raw mode: its own figure; service modes: the calibration run before them (undefined: none). */
  rawLimitPerMin?: number;
  polls?: {
    okPerMin: number;
    failedPerMin: number;
    skippedPerMin: number;
    skippedByReason: Record<string, number>;
    errorsByCode: Record<string, number>;
    publishedPerMin: number;
    /** Snapshots published and not yet diffed at the end of the run (the differ's queue). */
    backlogAtEnd: number;
    meanPollMs: number;
  };
  diffedPerMin?: number;
  diffedByOutcome?: Record<string, number>;
  baselines?: { afterS: number; count: number; atEnd: number };
  quarantine?: {
    drifted: number;
    quarantined: number;
    /** Change (the server turned) → quarantine recorded by the responder. */
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    /** First poisoned tools/list served (HTTP servers) → quarantine: the pipeline without the wait for the next poll. */
    servedP50Ms: number;
    servedP99Ms: number;
    /** Servers quarantined that never drifted. */
    unexpected: number;
  };
  raw?: { concurrency: number; polls: number; failures: number; p50Ms: number; p99Ms: number };
  processes: ProcessResult[];
  notes: string[];
}

const f0 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 0 : 1));
const ratio = (x: number | undefined, of: number | undefined) => (x === undefined || !of || !Number.isFinite(x) ? '' : ` (${(x / of).toFixed(2)}×)`);
const secs = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(1));

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function top(record: Record<string, number> | undefined, perMin: number): string {
  if (!record) return '';
  return Object.entries(record)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k} ${f0(v * perMin)}`)
    .join(', ');
}

/** Throughput, baselines and change → quarantine: one row per run. Ratios in parentheses are × the raw limit. */
export function throughputTable(runs: readonly RunResult[]): string {
  const head = [
    'mode', 'N (stdio)', 'interval s', 'polls/min target', 'polls/min done (× raw)', 'failed/min', 'skipped/min (top reasons)',
    'diffed/min (× raw)', 'baselines @ interval+10 s', 'change→quarantine p50 / p99 s', 'served→quarantine p50 / p99 s', 'quarantined', 'raw limit polls/min',
  ];
  const rows = runs.map((r) => {
    const perMin = r.windowS > 0 ? 60 / r.windowS : 0;
    const q = r.quarantine;
    const done = r.mode === 'raw' ? r.rawLimitPerMin : r.polls?.okPerMin;
    return [
      r.mode,
      `${r.servers.toLocaleString('en-US')} (${r.stdio})`,
      String(r.intervalS),
      f0(r.targetPerMin),
      r.mode === 'raw' ? f0(done) : `${f0(done)}${ratio(done, r.rawLimitPerMin)}`,
      r.mode === 'raw' ? f0(r.raw ? (r.raw.failures * 60) / r.windowS : undefined) : f0(r.polls?.failedPerMin),
      r.polls ? `${f0(r.polls.skippedPerMin)}${r.polls.skippedPerMin > 0 ? ` (${top(r.polls.skippedByReason, perMin)})` : ''}` : '–',
      r.diffedPerMin === undefined ? '–' : `${f0(r.diffedPerMin)}${ratio(r.diffedPerMin, r.rawLimitPerMin)}`,
      r.baselines ? `${r.baselines.count}/${r.servers}` : '–',
      q ? `${secs(q.p50Ms)} / ${secs(q.p99Ms)}` : '–',
      q ? `${secs(q.servedP50Ms)} / ${secs(q.servedP99Ms)}` : '–',
      q ? `${q.quarantined}/${q.drifted}${q.unexpected ? ` (+${q.unexpected} never drifted)` : ''}` : '–',
      f0(r.rawLimitPerMin),
    ];
  });
  return table(head, rows);
}

/** CPU, memory, event loop and /metrics of every process of every run. */
export function processTable(runs: readonly RunResult[]): string {
  const head = ['mode', 'N', 'process', 'CPU % (of one core)', 'peak RSS MiB', 'loop lag p99 max / median ms', '/metrics ms p50 / max', '/metrics KiB'];
  const rows = runs.flatMap((r) =>
    r.processes.map((p) => [
      r.mode,
      r.servers.toLocaleString('en-US'),
      p.name,
      f0(p.cpuPct),
      f0(p.peakRssMiB),
      p.metrics ? `${f0(p.metrics.lagP99MaxMs)} / ${f0(p.metrics.lagP99MedianMs)}` : '',
      p.metrics ? `${f0(p.metrics.p50Ms)} / ${f0(p.metrics.maxMs)}${p.metrics.failed ? ` (${p.metrics.failed} failed)` : ''}` : '',
      p.metrics ? f0(p.metrics.bytes / 1024) : '',
    ]),
  );
  return table(head, rows);
}

export function notesOf(runs: readonly RunResult[]): string {
  const lines: string[] = [];
  for (const r of runs) {
    const extra: string[] = [];
    if (r.polls) extra.push(`mean poll ${f0(r.polls.meanPollMs)} ms; published/min ${f0(r.polls.publishedPerMin)}; snapshots not yet diffed at the end ${f0(r.polls.backlogAtEnd)}`);
    if (r.polls && Object.keys(r.polls.errorsByCode).length) extra.push(`poll errors: ${top(r.polls.errorsByCode, r.windowS > 0 ? 60 / r.windowS : 0)} per min`);
    if (r.diffedByOutcome) extra.push(`diffed by outcome: ${top(r.diffedByOutcome, r.windowS > 0 ? 60 / r.windowS : 0)} per min`);
    if (r.baselines) extra.push(`baselines at the end ${r.baselines.atEnd}/${r.servers}`);
    if (r.raw) extra.push(`raw: ${r.raw.concurrency} in flight, poll p50 ${f0(r.raw.p50Ms)} ms, p99 ${f0(r.raw.p99Ms)} ms, ${r.raw.failures} failed`);
    extra.push(`window ${f0(r.windowS)} s, run took ${f0(r.wallS)} s`);
    lines.push(`- ${r.mode} N=${r.servers}: ${[...extra, ...r.notes].join('; ')}`);
  }
  return lines.join('\n');
}

export function formatReport(runs: readonly RunResult[]): string {
  return [
    '## Fleet benchmark',
    '',
    throughputTable(runs),
    '',
    processTable(runs),
    '',
    notesOf(runs),
    '',
  ].join('\n');
}
