import { execFile } from 'node:child_process';
import { StdioLimits } from '@driftwatch/core';
import { excerpt } from '../failure.js';
import { bwrapArgv } from './bwrap-args.js';
import type { SandboxTools } from './tools.js';

export type Availability = { ok: true; disableUserns: boolean } | { ok: false; reason: string; timedOut?: true };

const SELF_TEST_TIMEOUT_MS = 10_000;

/**
 * One self-test per set of tool paths and uid, for the life of the process; except a timed-out
 * one (a busy machine, not a missing sandbox), which the next launch repeats.
 */
const cache = new Map<string, Promise<Availability>>();

function run(command: string, args: string[]): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: SELF_TEST_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 256 * 1024, env: { PATH: process.env.PATH ?? '' } },
      (error, stdout, stderr) => {
        // Exit status, errno name (ENOENT, EACCES), signal, or our own timeout.
        let code: number | string | null = 0;
        if (error) code = error.killed ? 'timeout' : ((error as { code?: number | string }).code ?? error.signal ?? null);
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Can bubblewrap sandbox a server here? Runs the exact launch chain (uid drop, every namespace,
 * no network, the default limits) around `node --version`. Fails on a machine without
 * bubblewrap or util-linux, in a container that forbids user namespaces, or where the sandbox
 * uid cannot run node. Never throws.
 */
export function bwrapAvailability(tools: SandboxTools, dropRoot: boolean): Promise<Availability> {
  const { bwrap, prlimit, setpriv } = tools;
  if (!bwrap) return Promise.resolve({ ok: false, reason: 'bwrap (bubblewrap) not found' });
  if (!prlimit) return Promise.resolve({ ok: false, reason: 'prlimit (util-linux) not found' });
  if (dropRoot && !setpriv) {
    return Promise.resolve({ ok: false, reason: 'setpriv (util-linux) not found: needed to run servers as an unprivileged user' });
  }
  const key = `${bwrap}|${prlimit}|${setpriv ?? ''}|${dropRoot}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = selfTest(bwrap, prlimit, setpriv, dropRoot);
    cache.set(key, pending);
    void pending.then((a) => {
      if (!a.ok && a.timedOut) cache.delete(key);
    });
  }
  return pending;
}

async function selfTest(bwrap: string, prlimit: string, setpriv: string | undefined, dropRoot: boolean): Promise<Availability> {
  const help = await run(bwrap, ['--help']);
  if (help.code === 'timeout') return { ok: false, reason: `bwrap --help did not finish within ${SELF_TEST_TIMEOUT_MS} ms`, timedOut: true };
  if (help.code !== 0) return { ok: false, reason: `bwrap --help failed (${help.code}): ${excerpt(help.stderr, 200)}` };
  const disableUserns = help.stdout.includes('--disable-userns');
  const argv = bwrapArgv(
    { bwrap, prlimit, setpriv, dropRoot, network: false, cwd: undefined, limits: StdioLimits.parse({}), disableUserns },
    process.execPath,
    ['--version'],
  );
  const r = await run(argv.command, argv.args);
  if (r.code === 'timeout') return { ok: false, reason: `bwrap self-test did not finish within ${SELF_TEST_TIMEOUT_MS} ms`, timedOut: true };
  if (r.code !== 0 || !r.stdout.startsWith('v')) {
    return { ok: false, reason: `bwrap self-test failed (${r.code ?? 'no exit code'}): ${excerpt(r.stderr, 200) || 'no output'}` };
  }
  return { ok: true, disableUserns };
}
