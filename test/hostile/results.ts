/** The shape of a run's result, and the per-behaviour verdicts built from what the API said. */
import type { Behaviour, Outcome } from './behaviours.js';
import type { GoodControlFigures } from './good-control-process.js';
import type { HealthzFigures, LeakRecord } from './samplers.js';
import type { LatencySummary } from './stats.js';

export interface AlertSummary {
  kind: string;
  severity: string;
  status: string;
}

/** A pass/fail fact about one behaviour beyond its status (no leak, no egress …). */
export interface Check {
  name: string;
  pass: boolean;
  detail?: string;
}

export interface BehaviourResult {
  id: string;
  transport: Behaviour['transport'];
  group: Behaviour['group'];
  description: string;
  expect: readonly Outcome[];
  why: string;
  /** What happened: the final status, "refused" at config load, or "not-run". */
  outcome: Outcome | 'pending' | 'drifted' | 'not-run' | string;
  /** Whether `outcome` is one of `expect` (undefined when the row did not run). */
  meets?: boolean;
  lastError?: { code: string; reason: string } | null;
  alerts: AlertSummary[];
  /**
   * When the API last saw a poll of it (success or failure), and how long before the end-of-window
   * read of /v1/servers that was. Per-row poll counts are gone: driftwatch's poll metrics carry no
   * server label any more, and the API keeps no per-server count.
   */
  lastPollAt: string | null;
  lastPollSecondsAgo?: number;
  checks: Check[];
  notes: string[];
  /** Rugs: ms from the swap to the first time the API said quarantined. */
  swapToQuarantineMs?: number;
}

export interface HostileRunResult {
  runId: string;
  runDir: string;
  startedAt: string;
  /** Wall-clock ms of the whole run, set-up to clean-up. */
  totalMs: number;
  /** Ms from driftwatch answering /healthz to the end of the measurement window. */
  windowMs: number;
  /** Driftwatch starts needed (a start refused by the CLI is retried without what it refused). */
  configAttempts: number;
  /** Rounds of the product's config loader (in-process) before the first start. */
  loaderRounds: number;
  droppedKeys: string[];
  behaviours: BehaviourResult[];
  /**
   * The good server's polls, counted by the server itself (its poll log, poll-log.ts): `ok` is the
   * complete tools/list answers it sent inside the window within the entry's timeout (counted from
   * its process's start), `scheduled` the slots the window holds.
   *
   * There is no `failed` any more: driftwatch's failed polls of one server cannot be counted from
   * what it still exposes per server (its metrics have no server label; the API keeps the last
   * error, not a count). What stands in, each honest about what it is:
   * - `unanswered`: sessions the server started in the window and never answered, and `late`:
   *   answers sent after the timeout, when driftwatch had given up (server-side; together a lower
   *   bound on failed polls: see poll-log.ts);
   * - `failureAlerts`: the server.unreachable / server.unverifiable alerts of 'good' raised in the
   *   window (the API; one per run of consecutive failed polls, so also a lower bound);
   * - `lastError`: the API's last error for 'good' at the end (null when its last poll was fine).
   */
  good: {
    intervalSeconds: number;
    scheduled: number;
    ok: number;
    ratio: number;
    sessions: number;
    unanswered: number;
    late: number;
    failureAlerts: number;
    lastError: { code: string; reason: string } | null;
  };
  /**
   * The same entry polled by the probe alone in another process, same schedule, same window
   * (good-control-process.ts); `answered`: the answers the server logged for it (its own log), a
   * check that the server-side count agrees with a client's.
   */
  goodControl?: GoodControlFigures & { answered: number };
  /**
   * The good server's poll durations, measured server-side (process start → complete tools/list
   * answer sent), for the answers counted in `good.ok`: cumulative counts per bucket (upper
   * bound in s, the buckets of driftwatch_poll_duration_seconds) and p50/p99/max in seconds.
   */
  goodDurations: LatencySummary & { buckets: Record<string, number> };
  /** driftwatch_polls_total by outcome, whole fleet, since driftwatch started. */
  fleetPolls: { ok: number; failure: number };
  /** Polls the product did not run on time, fleet-wide, by reason (driftwatch_polls_skipped_total). */
  skippedPolls: Record<string, number>;
  healthz: HealthzFigures;
  /** A trivial HTTP server sampled the same way in the same window: what the loaded machine alone costs. */
  healthzControl: HealthzFigures;
  memory: { peakRssMiB: number; lastRssMiB: number };
  cpu: {
    driftwatchSeconds: number;
    /** CPU of the probed servers driftwatch reaped (orphans it never reaped are not in it). */
    serversSeconds: number;
    /** The fixture HTTP host (one process for every HTTP behaviour). */
    httpHostSeconds: number;
    /** This driver: samplers, /proc scans, API reads. */
    driverSeconds: number;
    /** Everything else the machine ran: other jobs, orphans nobody reaped. */
    otherSeconds: number;
    windowSeconds: number;
    driftwatchPercentOfOneCore: number;
    machineBusyPercent: number;
    /** Share of the window during which some task waited for a CPU (PSI); high = contended machine. */
    cpuPressurePercent: number;
    cores: number;
  };
  processes: { leakedDuringRun: LeakRecord[]; leftAfterExit: Array<{ pid: number; behaviour: string; command: string }>; maxAliveAtOnce: number };
  egress: Array<{ hello: string }>;
  outsideWrites: number;
  grandchildren: { recorded: number; aliveAfterExit: number };
  canary: Record<string, string[]>;
  shutdown: { code: number | null; signal: string | null; ms: number; forced: boolean } | { crashed: true; code: number | null; signal: string | null };
  notes: string[];
}

interface ServerView {
  id: string;
  status: string;
  lastError: { code: string; reason: string } | null;
  lastPollAt?: string | null;
}

export function summarizeAlerts(alerts: Array<{ kind: string; severity: string; status: string }>): AlertSummary[] {
  return alerts.map((a) => ({ kind: a.kind, severity: a.severity, status: a.status }));
}

const SEVERITY = ['info', 'low', 'medium', 'high', 'critical'];

/** `kind:severity` per distinct kind, highest severity first: what a table cell can hold. */
export function alertLabel(alerts: readonly AlertSummary[]): string {
  const best = new Map<string, string>();
  for (const a of alerts) {
    const prior = best.get(a.kind);
    if (prior === undefined || SEVERITY.indexOf(a.severity) > SEVERITY.indexOf(prior)) best.set(a.kind, a.severity);
  }
  return [...best]
    .sort((a, b) => SEVERITY.indexOf(b[1]) - SEVERITY.indexOf(a[1]) || a[0].localeCompare(b[0]))
    .map(([k, s]) => `${k}:${s}`)
    .join(' ');
}

export interface RowFacts {
  server?: ServerView;
  alerts: AlertSummary[];
  /** Wall-clock ms of the /v1/servers read that `server` comes from. */
  readAt?: number;
  refused?: string;
  notRun?: string;
  leaks: readonly LeakRecord[];
  checks: Check[];
  notes: string[];
  swapToQuarantineMs?: number;
}

function meets(b: Behaviour, outcome: string, code: string | undefined): boolean {
  if (!(b.expect as readonly string[]).includes(outcome)) return false;
  if (outcome === 'unreachable' && b.unreachableCode) return code !== undefined && b.unreachableCode(code);
  return true;
}

export function behaviourResult(b: Behaviour, f: RowFacts): BehaviourResult {
  const outcome = f.refused !== undefined ? 'refused' : f.notRun !== undefined ? 'not-run' : (f.server?.status ?? 'not-run');
  const leaks = f.leaks.filter((l) => l.behaviour === b.id);
  const checks = [...f.checks];
  const lastPollAt = f.server?.lastPollAt ?? null;
  if (b.transport === 'stdio' && outcome !== 'refused' && outcome !== 'not-run') {
    checks.push({ name: 'no process outlived its poll', pass: leaks.length === 0, ...(leaks.length ? { detail: `${leaks.length} process(es), oldest ${Math.round(Math.max(...leaks.map((l) => l.ageSeconds)))} s` } : {}) });
  }
  return {
    id: b.id,
    transport: b.transport,
    group: b.group,
    description: b.description,
    expect: b.expect,
    why: b.why,
    outcome,
    ...(outcome === 'not-run' ? {} : { meets: meets(b, outcome, f.server?.lastError?.code) }),
    lastError: f.server?.lastError ?? null,
    alerts: f.alerts,
    lastPollAt,
    ...(lastPollAt !== null && f.readAt !== undefined && Number.isFinite(Date.parse(lastPollAt)) ? { lastPollSecondsAgo: (f.readAt - Date.parse(lastPollAt)) / 1000 } : {}),
    checks,
    notes: [...(f.refused !== undefined ? [`refused: ${f.refused}`] : []), ...(f.notRun !== undefined ? [f.notRun] : []), ...f.notes],
    ...(f.swapToQuarantineMs !== undefined ? { swapToQuarantineMs: f.swapToQuarantineMs } : {}),
  };
}
