/**
 * Confinement of stdio servers while they are probed. With bubblewrap (`sandbox: auto | bwrap`):
 * own user, PID, IPC, UTS and cgroup namespaces, no network unless `network: true`, a read-only
 * file system with a private /tmp and only `cwd` writable when `writableCwd`, nobody:nogroup
 * when driftwatch is root, rlimits (limits.ts). Without it (`none`, or `auto` where the
 * self-test fails): a parent-death signal, memory and CPU rlimits, the process group and an
 * environment-marker sweep. The README's "Sandbox" table says what each confines and what not.
 */
export { planLaunch, warmUpSandbox, type Launch } from './launch.js';
export { childrenOf, killGroup, signal, sweepMarked, sweepMarkedSync, MARKER_ENV } from './process-tree.js';
export { lowerSessionPriority, SERVER_NICENESS, SESSION_NICENESS } from './priority.js';
export { launcher, Launcher, LaunchedServer } from './launcher.js';
export { BWRAP_ENV } from './tools.js';
export { SANDBOX_UID, SANDBOX_GID } from './bwrap-args.js';
