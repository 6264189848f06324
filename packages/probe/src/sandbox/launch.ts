import { randomUUID } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import type { SandboxFacts, StdioServerConfig } from '@driftwatch/core';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ProbeError } from '../failure.js';
import { bwrapArgv } from './bwrap-args.js';
import { prlimitArgs } from './limits.js';
import { SERVER_NICENESS } from './priority.js';
import { MARKER_ENV } from './process-tree.js';
import { bwrapAvailability } from './self-test.js';
import { findTools, which, type SandboxTools } from './tools.js';

/** Everything the stdio transport needs to start one server, and to stop all of it again. */
export interface Launch {
  command: string;
  args: string[];
  /** The server's environment: passed through spawn, never on a command line. */
  env: Record<string, string>;
  /** Working directory for spawn (plain launches; bwrap gets `--chdir`). */
  cwd: string | undefined;
  /**
   * `bwrap`: the server runs in its own PID namespace; killing the namespace's init kills every
   * process in it. `plain`: its own process group, plus a sweep of processes carrying `marker`.
   */
  confinement: 'bwrap' | 'plain';
  marker: string | undefined;
  /** Recorded in the snapshot's transport facts. */
  facts: SandboxFacts;
  /** The configured command, quoted, for reason strings (never its arguments or env). */
  label: string;
}

/** Like spawn's own lookup (PATH from the server's environment, relative to its cwd), up front. */
function resolveCommand(command: string, cwd: string | undefined, path: string | undefined, label: string): string {
  if (!command.includes('/')) {
    const found = which(command, path ?? '');
    if (!found) throw new ProbeError('spawn_failed', `cannot start ${label}: ENOENT`);
    return found;
  }
  const file = resolve(cwd ?? process.cwd(), command);
  try {
    accessSync(file, constants.X_OK);
  } catch (e) {
    throw new ProbeError('spawn_failed', `cannot start ${label}: ${(e as NodeJS.ErrnoException).code ?? 'not executable'}`);
  }
  return file;
}

/**
 * Runs the launch chain at a lower CPU priority (nice 10; children inherit it): a probed server
 * busy starting up or spinning must not take the CPU from the monitor watching it.
 */
function niced(tools: SandboxTools, argv: { command: string; args: string[] }): { command: string; args: string[] } {
  if (!tools.nice) return argv;
  return { command: tools.nice, args: ['-n', String(SERVER_NICENESS), argv.command, ...argv.args] };
}

function plainArgv(tools: SandboxTools, server: StdioServerConfig, command: string): { command: string; args: string[] } {
  let argv = [command, ...server.args];
  // No RLIMIT_NPROC here: outside a user namespace it would count every process of
  // driftwatch's uid (and root is exempt anyway).
  if (tools.prlimit) argv = [tools.prlimit, ...prlimitArgs(server.limits, { processes: false }), '--', ...argv];
  // The server dies with driftwatch, even on kill -9 (its own children are the sweep's job).
  if (tools.setpriv) argv = [tools.setpriv, '--pdeathsig=KILL', '--', ...argv];
  return { command: argv[0]!, args: argv.slice(1) };
}

/**
 * Decides how to start a stdio server. `sandbox: bwrap` where bubblewrap cannot run throws
 * `sandbox_failed`; `auto` falls back to a plain launch and says why in the facts — unless the
 * self-test only timed out, which fails this probe (`sandbox_failed`) and is retried next time.
 */
export async function planLaunch(server: StdioServerConfig): Promise<Launch> {
  const label = JSON.stringify(server.command.slice(0, 200));
  const cwd = server.cwd === undefined ? undefined : resolve(server.cwd);
  const tools = findTools();
  const dropRoot = process.getuid?.() === 0;
  const defaults = getDefaultEnvironment();
  const command = resolveCommand(server.command, cwd, { ...defaults, ...server.env }.PATH, label);

  let reason: string;
  if (server.sandbox === 'none') {
    reason = 'sandbox: none in the catalog entry';
  } else {
    const available = await bwrapAvailability(tools, dropRoot);
    if (available.ok) {
      const argv = niced(tools, bwrapArgv(
        {
          bwrap: tools.bwrap!,
          prlimit: tools.prlimit!,
          setpriv: tools.setpriv,
          dropRoot,
          network: server.network,
          cwd: cwd === undefined ? undefined : { path: cwd, writable: server.writableCwd },
          limits: server.limits,
          disableUserns: available.disableUserns,
        },
        command,
        server.args,
      ));
      // root's HOME is closed to the sandbox uid; the private /tmp is its own (the server's
      // env may still set HOME).
      const env = dropRoot ? { ...defaults, HOME: '/tmp', ...server.env } : { ...defaults, ...server.env };
      return { ...argv, env, cwd: undefined, confinement: 'bwrap', marker: undefined, facts: { mode: 'bwrap' }, label };
    }
    if (server.sandbox === 'bwrap') {
      throw new ProbeError('sandbox_failed', `sandbox: bwrap is configured but bubblewrap cannot run here: ${available.reason}`);
    }
    // Inconclusive (a busy machine): fail closed for this poll rather than run unsandboxed.
    if (available.timedOut) throw new ProbeError('sandbox_failed', `cannot tell whether bubblewrap works here: ${available.reason}`);
    reason = `bubblewrap unavailable: ${available.reason}`;
  }
  const marker = randomUUID();
  return {
    ...niced(tools, plainArgv(tools, server, command)),
    env: { ...defaults, ...server.env, [MARKER_ENV]: marker },
    cwd,
    confinement: 'plain',
    marker,
    facts: { mode: 'none', reason },
    label,
  };
}

/**
 * Runs the sandbox self-test ahead of the first probe (a probe thread does it while booting), so
 * that the first poll of every server does not also pay for it. Never throws.
 */
export async function warmUpSandbox(): Promise<void> {
  await bwrapAvailability(findTools(), process.getuid?.() === 0);
}
