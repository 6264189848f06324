import { StdioLimits } from '@driftwatch/core';
import { describe, expect, it } from 'vitest';
import { bwrapArgv, type BwrapPlan } from '../src/sandbox/bwrap-args.js';
import { prlimitArgs } from '../src/sandbox/limits.js';
import { bwrapAvailability } from '../src/sandbox/self-test.js';
import { which } from '../src/sandbox/tools.js';

const PLAN: BwrapPlan = {
  bwrap: '/usr/bin/bwrap',
  prlimit: '/usr/bin/prlimit',
  setpriv: '/usr/bin/setpriv',
  dropRoot: true,
  network: false,
  cwd: undefined,
  limits: StdioLimits.parse({}),
  disableUserns: true,
};

/** The value following `flag` in argv (or undefined). */
function after(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1];
}

describe('bwrapArgv', () => {
  it('drops root to nobody, then bwrap with every namespace, no network, read-only / and a sized private /tmp', () => {
    const { command, args } = bwrapArgv(PLAN, '/usr/bin/node', ['server.js', '--flag']);
    expect(command).toBe('/usr/bin/setpriv');
    expect(args.slice(0, 6)).toEqual(['--reuid=65534', '--regid=65534', '--clear-groups', '--pdeathsig=KILL', '--', '/usr/bin/bwrap']);
    for (const flag of ['--die-with-parent', '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--disable-userns']) {
      expect(args).toContain(flag);
    }
    // Not --new-session: the launch is a session of its own already, niced as a whole (probe-sandbox.test.ts).
    expect(args).not.toContain('--new-session');
    expect(after(args, '--ro-bind')).toBe('/');
    expect(after(args, '--remount-ro')).toBe('/dev');
    expect(after(args, '--size')).toBe(String(512 * 1024 * 1024));
    expect(args[args.indexOf('--size') + 2]).toBe('--tmpfs');
    expect(args.slice(-8)).toEqual(['/usr/bin/prlimit', '--data=536870912', '--cpu=30', '--nproc=64', '--', '/usr/bin/node', 'server.js', '--flag']);
  });

  it('shares the network only when allowed, and binds cwd after /tmp so it shows even under /tmp', () => {
    const ro = bwrapArgv({ ...PLAN, network: true, cwd: { path: '/tmp/work', writable: false } }, 'node', []).args;
    expect(ro).not.toContain('--unshare-net');
    expect(ro.lastIndexOf('--ro-bind')).toBeGreaterThan(ro.indexOf('--tmpfs'));
    expect(after(ro.slice(ro.lastIndexOf('--ro-bind')), '--ro-bind')).toBe('/tmp/work');
    expect(after(ro, '--chdir')).toBe('/tmp/work');
    const rw = bwrapArgv({ ...PLAN, cwd: { path: '/srv/mcp', writable: true } }, 'node', []).args;
    expect(rw.slice(rw.indexOf('--bind'), rw.indexOf('--bind') + 3)).toEqual(['--bind', '/srv/mcp', '/srv/mcp']);
  });

  it('keeps its uid when not root, and runs bwrap directly without setpriv', () => {
    expect(bwrapArgv({ ...PLAN, dropRoot: false }, 'node', []).args.slice(0, 3)).toEqual(['--pdeathsig=KILL', '--', '/usr/bin/bwrap']);
    expect(bwrapArgv({ ...PLAN, dropRoot: false, setpriv: undefined }, 'node', []).command).toBe('/usr/bin/bwrap');
    expect(bwrapArgv({ ...PLAN, disableUserns: false }, 'node', []).args).not.toContain('--disable-userns');
  });

  it('leaves RLIMIT_NPROC out where it would count all of our uid', () => {
    expect(prlimitArgs(StdioLimits.parse({ memoryMb: 64, cpuSeconds: 5 }), { processes: false })).toEqual(['--data=67108864', '--cpu=5']);
  });
});

describe('bwrapAvailability', () => {
  it('says what is missing, and fails a bwrap that does not work', async () => {
    const tools = { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };
    expect(await bwrapAvailability({ ...tools, bwrap: undefined }, true)).toEqual({ ok: false, reason: 'bwrap (bubblewrap) not found' });
    expect(await bwrapAvailability({ ...tools, prlimit: undefined }, true)).toEqual({ ok: false, reason: 'prlimit (util-linux) not found' });
    expect(await bwrapAvailability({ ...tools, setpriv: undefined }, true)).toMatchObject({ ok: false, reason: expect.stringContaining('setpriv') });
    const broken = await bwrapAvailability({ ...tools, bwrap: which('false')! }, false);
    expect(broken).toMatchObject({ ok: false, reason: expect.stringMatching(/^bwrap --help failed \(1\)/) });
  });
});
