import type { StdioLimits } from '@driftwatch/core';
import { prlimitArgs, tmpfsBytes } from './limits.js';

/**
 * When driftwatch runs as root, sandboxed servers run as nobody:nogroup. As root inside the
 * sandbox a server would keep root's file ownership (read /root, the data dir, the config with
 * its secrets) and be exempt from RLIMIT_NPROC, even with every capability dropped.
 */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

export interface BwrapPlan {
  bwrap: string;
  prlimit: string;
  /** setpriv, when available: parent-death signal, and the uid drop (required when root). */
  setpriv: string | undefined;
  dropRoot: boolean;
  network: boolean;
  /** Bound at its own path after /tmp is replaced, so it is visible even when under /tmp. */
  cwd: { path: string; writable: boolean } | undefined;
  limits: StdioLimits;
  /** bubblewrap ≥ 0.8: forbid nested user namespaces (self-test checks `--help`). */
  disableUserns: boolean;
}

/**
 * `[setpriv …] bwrap … -- prlimit … -- command args` as one argv. Only paths and numbers reach
 * this command line — it is world-readable in /proc/<pid>/cmdline — never an environment
 * value: the environment travels through spawn's `env`, which setpriv, bwrap and prlimit pass on.
 */
export function bwrapArgv(plan: BwrapPlan, command: string, args: readonly string[]): { command: string; args: string[] } {
  const bwrap = [
    // Killed when its parent (driftwatch, or setpriv's successor: bwrap itself) dies; its own
    // child, the namespace's init, dies with it and takes every process of the namespace along.
    '--die-with-parent',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(plan.disableUserns ? ['--disable-userns'] : []),
    ...(plan.network ? [] : ['--unshare-net']),
    '--ro-bind', '/', '/',
    // A fresh /dev with only null, zero, random, tty…; read-only so it cannot become an
    // unbounded tmpfs to fill (its /dev/shm included).
    '--dev', '/dev',
    '--remount-ro', '/dev',
    '--proc', '/proc',
    '--size', String(tmpfsBytes(plan.limits)),
    '--tmpfs', '/tmp',
    ...(plan.cwd ? [plan.cwd.writable ? '--bind' : '--ro-bind', plan.cwd.path, plan.cwd.path] : []),
    // No --new-session: the launch is spawned `detached`, a session of its own with no controlling
    // terminal to push input into (TIOCSTI), which the sandbox inherits. Another setsid here
    // would put the server in a scheduling autogroup out of reach of lowerSessionPriority.
    ...(plan.cwd ? ['--chdir', plan.cwd.path] : []),
    '--',
    plan.prlimit,
    ...prlimitArgs(plan.limits, { processes: true }),
    '--',
    command,
    ...args,
  ];
  if (!plan.setpriv) return { command: plan.bwrap, args: bwrap };
  const drop = plan.dropRoot ? [`--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups'] : [];
  return { command: plan.setpriv, args: [...drop, '--pdeathsig=KILL', '--', plan.bwrap, ...bwrap] };
}
