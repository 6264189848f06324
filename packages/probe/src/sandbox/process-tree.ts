import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Name of the environment variable that marks an unsandboxed server and its descendants. */
export const MARKER_ENV = 'DRIFTWATCH_PROBE';

/** Sends a signal; false when the process is gone (or not ours to signal). */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The process group led by `pid` (the server was spawned detached), else the process itself. */
export function killGroup(pid: number, sig: NodeJS.Signals): void {
  if (!signal(-pid, sig)) signal(pid, sig);
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Direct children of a process, from the kernel (`/proc/<pid>/task/<pid>/children`), falling
 * back to a scan of every process's parent pid where that file does not exist. Empty when the
 * process is gone or /proc is unavailable.
 */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // CONFIG_PROC_CHILDREN off: fall through to the scan.
  }
  const out: number[] = [];
  for (const p of pids()) {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; field 2 (the name) may contain spaces.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(p);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function carries(environ: Buffer, needle: Buffer): boolean {
  const at = environ.indexOf(needle);
  return at === 0 || (at > 0 && environ[at - 1] === 0);
}

/**
 * SIGKILLs every process whose environment (as it was at exec) carries `MARKER_ENV=marker`:
 * the descendants of an unsandboxed server that left its process group (setsid, double fork).
 * Best effort — a process that execs with a clean environment escapes it; only the sandbox's
 * PID namespace is a boundary. Asynchronous (a /proc scan takes tens of ms on a busy host, too
 * long to block the event loop); repeated while it finds any, since a stray may fork meanwhile.
 */
export async function sweepMarked(marker: string): Promise<number> {
  const needle = Buffer.from(`${MARKER_ENV}=${marker}\0`);
  let total = 0;
  for (let pass = 0; pass < 3; pass++) {
    let killed = 0;
    for (const p of pids()) {
      if (p === process.pid) continue;
      try {
        if (carries(await readFile(`/proc/${p}/environ`), needle) && signal(p, 'SIGKILL')) killed += 1;
      } catch {
        // gone, or not ours to read
      }
    }
    total += killed;
    if (killed === 0) break;
  }
  return total;
}

/** The same, synchronously, for a process 'exit' handler (where nothing async runs). */
export function sweepMarkedSync(marker: string): number {
  const needle = Buffer.from(`${MARKER_ENV}=${marker}\0`);
  let killed = 0;
  for (const p of pids()) {
    if (p === process.pid) continue;
    try {
      if (carries(readFileSync(`/proc/${p}/environ`), needle) && signal(p, 'SIGKILL')) killed += 1;
    } catch {
      // gone, or not ours to read
    }
  }
  return killed;
}
