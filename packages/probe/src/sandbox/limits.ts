import type { StdioLimits } from '@driftwatch/core';

const MIB = 1024 * 1024;

/**
 * `prlimit` options for the server's command, measured on Linux 6.x with Node 20, as root:
 *
 * - memory → RLIMIT_DATA, not RLIMIT_AS. Since Linux 4.7 DATA counts private writable mappings
 *   (heap, anonymous mmap), which is what a runaway server grows; AS also counts V8's and
 *   WebAssembly's PROT_NONE reservations (~10 GiB per wasm memory), and under any AS limit
 *   below that `new WebAssembly.Memory()` fails — and with it Node's fetch (undici's parser is
 *   wasm). Under DATA a JS or Buffer allocation loop dies (V8 out of memory) at the limit.
 *   DATA does not count shared memory (memfd, MAP_SHARED, tmpfs files): see the README table.
 * - CPU → RLIMIT_CPU with soft = hard: the kernel sends SIGKILL once a process used that much
 *   CPU time. Per process, not per sandbox.
 * - processes → RLIMIT_NPROC. The kernel never enforces it for uid 0 and, for any other uid,
 *   counts every task of that uid in the user namespace: threads too (Node runs ~7-11). It only
 *   bites because the sandboxed server runs as a non-root uid inside its own user namespace
 *   (launch.ts), where the count is per sandbox: a fork bomb in one probe cannot starve
 *   another probe's server of processes. Set inside the sandbox, after bwrap created the user
 *   namespace: a namespace created under a low NPROC would cap the creator's whole uid.
 */
export function prlimitArgs(limits: StdioLimits, opts: { processes: boolean }): string[] {
  const bytes = limits.memoryMb * MIB;
  const args = [`--data=${bytes}`, `--cpu=${limits.cpuSeconds}`];
  if (opts.processes) args.push(`--nproc=${limits.processes}`);
  return args;
}

/** Size of the sandbox's private /tmp (a tmpfs: RAM), bounded like the process's heap. */
export function tmpfsBytes(limits: StdioLimits): number {
  return limits.memoryMb * MIB;
}
