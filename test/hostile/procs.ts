/**
 * Finding the processes of probed servers in /proc. Every fixture entry carries
 * `DW_HOSTILE_RUN=<run id>` in its env, which every descendant inherits (a sandbox wrapper such as
 * bwrap carries it in its argv instead), so a scan of /proc/<pid>/environ and /proc/<pid>/cmdline
 * finds them all, however they were forked. Linux only.
 *
 * PID 1 in this container does not reap orphans: a dead orphan stays a zombie (state Z) forever.
 * Zombies hold no memory and run nothing, so they count as gone.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const RUN_MARKER_VAR = 'DW_HOSTILE_RUN';

/** The fields of /proc/<pid>/stat we use. */
export interface ProcStat {
  state: string;
  ppid: number;
  /** Clock ticks since boot when the process started. */
  startTicks: number;
  /** CPU of the process itself and of its reaped children, in clock ticks. */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so the numbered fields are counted from the LAST ')'.
 */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc stat line');
  // After ") ": field 3 (state) is index 0.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const at = (field: number): number => Number(f[field - 3]);
  return {
    state: f[0] ?? '?',
    ppid: at(4),
    utime: at(14),
    stime: at(15),
    cutime: at(16),
    cstime: at(17),
    startTicks: at(22),
  };
}

/** Dead for our purposes: zombie, dead, or gone from /proc. */
export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

let clockTicks: number | undefined;
/** USER_HZ (100 on every Linux we know, asked once anyway). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Seconds since boot, from /proc/uptime. */
export function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** NUL-separated KEY=VALUE list (or argv) → array of strings. */
export function splitNul(raw: string): string[] {
  return raw.split('\0').filter((s) => s.length > 0);
}

/** The value of `name` in an environ list, if set. */
export function envValue(environ: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  const hit = environ.find((e) => e.startsWith(prefix));
  return hit === undefined ? undefined : hit.slice(prefix.length);
}

export interface MarkedProcess {
  pid: number;
  state: string;
  /** Seconds the process has been alive. */
  ageSeconds: number;
  /** Identity across scans: a pid can be reused, (pid, start) cannot. */
  key: string;
  /** HOSTILE of the fixture it descends from, or "?" (e.g. a sandbox wrapper without our env). */
  behaviour: string;
  /** argv joined with spaces, bounded. */
  command: string;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * Every live process (not a zombie) that carries `runId` in its environ or argv, except the pids
 * in `exclude` (the driver, driftwatch, the HTTP host). Processes of other users cannot be read
 * and are skipped: ours are all ours.
 */
export function scanMarked(runId: string, exclude: ReadonlySet<number> = new Set()): MarkedProcess[] {
  const hz = clockTicksPerSecond();
  const now = uptimeSeconds();
  const out: MarkedProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (exclude.has(pid)) continue;
    const environ = readOr(`/proc/${pid}/environ`);
    const cmdline = readOr(`/proc/${pid}/cmdline`);
    if (!environ?.includes(runId) && !cmdline?.includes(runId)) continue;
    const stat = readStat(pid);
    if (!stat || isDeadState(stat.state)) continue;
    const env = splitNul(environ ?? '');
    out.push({
      pid,
      state: stat.state,
      ageSeconds: Math.max(0, now - stat.startTicks / hz),
      key: `${pid}:${stat.startTicks}`,
      behaviour: envValue(env, 'HOSTILE') ?? '?',
      command: splitNul(cmdline ?? '').join(' ').slice(0, 200),
    });
  }
  return out;
}

/** Whether `pid` is alive (a zombie is not). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && !isDeadState(stat.state);
}
