import { writeFileSync } from 'node:fs';

/** Niceness of probed servers' processes (0 normal, 19 lowest); their children inherit it. */
export const SERVER_NICENESS = 10;

/**
 * Niceness of a probed server's session, as a scheduling group (autogroup). Lower than the
 * processes' own: a session competes with whole other sessions, not with threads of driftwatch.
 * Measured on a 2-core machine (hostile suite; servers' sessions at 0 / 5 / 10): /healthz p99
 * 388 / 50–76 / 31–57 ms, the good server's polls 97 / 83–89 / 66–86 %; and at 10, servers that
 * take a second of CPU to start timed out in a busy test run (a session weighing a tenth of the
 * test runner's).
 */
export const SESSION_NICENESS = 5;

/**
 * Gives the session `pid` leads (spawned `detached`, so a session of its own) SESSION_NICENESS as
 * its autogroup niceness. Where the kernel groups tasks by session for scheduling
 * (CONFIG_SCHED_AUTOGROUP, tasks in the root CPU cgroup), a process's own nice value only counts
 * inside its session: every probed server is a session of its own, so without this each one
 * weighs as much as the whole of driftwatch, and fifty busy servers starve its event loop
 * (/healthz p99 0.9–1 s measured in the hostile suite). Best effort: no autogroup file (disabled,
 * not Linux, the process already gone) leaves the nice value alone in charge. A server that calls
 * setsid() itself leaves this group for a fresh one at niceness 0 — cgroups would hold it; this
 * does not.
 */
export function lowerSessionPriority(pid: number, niceness: number = SESSION_NICENESS): boolean {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
    return true;
  } catch {
    return false;
  }
}
