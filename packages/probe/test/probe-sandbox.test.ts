import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateSnapshot, fingerprintObservation, ServerConfig, type Snapshot, type StdioServerConfig } from '@driftwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEntry, REPO_ROOT, TSX_LOADER, type FixtureName } from '../../../test/fixtures/servers/launch.js';
import { probeServer, type ProbeResult } from '../src/index.js';
import { BWRAP_ENV, SANDBOX_UID } from '../src/sandbox/index.js';
import { bwrapAvailability } from '../src/sandbox/self-test.js';
import { findTools } from '../src/sandbox/tools.js';
import { expectFailure, expectOk, markedAfter, markedAtLeast, markedProcesses, removeTempDirs, tempDir, TEST_MARKER, timed } from './helpers.js';

// Generous: each probe starts a fresh `node --import tsx` in a fresh sandbox on a shared 2-core box.
const BUDGET = 20_000;
const TEST_TIMEOUT = 90_000;
const isRoot = process.getuid?.() === 0;

/** Directories outside /tmp (which the sandbox replaces), for what the server must see. */
const hostDirs: string[] = [];
function hostDir(mode: number): string {
  const dir = mkdtempSync(join('/var/tmp', 'driftwatch-sandbox-'));
  chmodSync(dir, mode);
  hostDirs.push(dir);
  return dir;
}

afterAll(() => {
  removeTempDirs();
  for (const d of hostDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// The project's own installer, as on a fresh CI machine; then the same self-test the probe runs.
beforeAll(async () => {
  spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/install-bubblewrap.mjs')], { stdio: 'inherit', timeout: 400_000 });
  const available = await bwrapAvailability(findTools(), isRoot);
  if (!available.ok) throw new Error(`these tests need a working bubblewrap sandbox: ${available.reason}`);
}, 420_000);

function server(name: FixtureName, env: Record<string, string>, extra: Record<string, unknown> = {}): StdioServerConfig {
  return ServerConfig.parse({ ...fixtureEntry(name, env), ...extra }) as StdioServerConfig;
}

/** What the hostile fixture managed to do, from its tool's description. */
function reportOf(r: ProbeResult): Record<string, any> {
  return JSON.parse(expectOk(r).observation.tools[0]!.description!);
}

describe('stdio sandbox (bubblewrap)', () => {
  it('leaves no process of a double-forking server behind after each probe, and records the sandbox', async () => {
    const marker = randomUUID();
    const s = server('escape', { [TEST_MARKER]: marker });
    expect(s.sandbox).toBe('auto');
    for (let poll = 0; poll < 3; poll++) {
      const r = expectOk(await probeServer(s, { timeoutMs: BUDGET }));
      expect(r.observation.transport.sandbox).toEqual({ mode: 'bwrap' });
      expect(await markedAfter(marker, 200)).toEqual([]);
    }
  }, TEST_TIMEOUT);

  it.each(['bwrap', 'none'] as const)('runs the server (sandbox %s) at a lower CPU priority than driftwatch, in a session of its own', async (sandbox) => {
    const marker = randomUUID();
    const probing = probeServer(server('escape', { [TEST_MARKER]: marker, SILENT: '1' }, { sandbox, timeout: 5 }), { timeoutMs: 5_000 });
    const [pid] = await markedAtLeast(marker, 1);
    // Fields of /proc/<pid>/stat after the command name in parentheses: session (6), tty (7),
    // niceness (19).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ownSession = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[3];
    expect(Number(stat[16])).toBe(10);
    // A session of its own without a terminal (no TIOCSTI into ours) …
    expect(stat[3]).not.toBe(ownSession);
    expect(stat[4]).toBe('0');
    // … whose scheduling group is niced too (SESSION_NICENESS): a process's own niceness only
    // counts inside its session where the kernel groups tasks by session (autogroup).
    // Set once the launcher has reported the start, a few milliseconds after this scan may see it.
    if (existsSync('/proc/self/autogroup')) await expect.poll(() => readFileSync(`/proc/${pid}/autogroup`, 'utf8'), { timeout: 3_000 }).toMatch(/ nice 5$/m);
    await probing;
  }, TEST_TIMEOUT);

  it('leaves none behind unsandboxed either: process group, then a sweep by env marker', async () => {
    const marker = randomUUID();
    for (let poll = 0; poll < 2; poll++) {
      const r = expectOk(await probeServer(server('escape', { [TEST_MARKER]: marker }, { sandbox: 'none' }), { timeoutMs: BUDGET }));
      expect(r.observation.transport.sandbox).toEqual({ mode: 'none', reason: 'sandbox: none in the catalog entry' });
      expect(await markedAfter(marker, 200)).toEqual([]);
    }
  }, TEST_TIMEOUT);

  it.each([
    ['bwrap', { STUBBORN: '1', SILENT: '1' }],
    // Unsandboxed, only the server itself is bound to driftwatch's life (parent-death signal).
    ['none', { STUBBORN: '1', SILENT: '1', NO_FORK: '1' }],
  ] as const)('with sandbox %s, nothing outlives a kill -9 of driftwatch, not a server that ignores SIGTERM and end-of-input', async (sandbox, env) => {
    const marker = randomUUID();
    const secret = `sk-${randomUUID()}`;
    const config = fixtureEntry('escape', { ...env, [TEST_MARKER]: marker, API_TOKEN: secret });
    const child = spawn(process.execPath, ['--import', TSX_LOADER, fileURLToPath(new URL('probe-child.ts', import.meta.url))], {
      env: { ...process.env, PROBE_CONFIG: JSON.stringify({ ...config, sandbox }) },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await markedAtLeast(marker, sandbox === 'bwrap' ? 2 : 1, 45_000);
      // Env values travel in the environment, never on a command line (/proc/*/cmdline is world-readable).
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        expect(cmdline).not.toContain(secret);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(await markedAfter(marker, 3000)).toEqual([]);
  }, TEST_TIMEOUT);

  it('gives the server no network unless its entry says network: true', async () => {
    let connections = 0;
    const listener: Server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    try {
      const port = String((listener.address() as { port: number }).port);
      const denied = reportOf(await probeServer(server('hostile', { CONNECT_PORT: port }), { timeoutMs: BUDGET }));
      expect(denied.connect).not.toBe('connected');
      expect(connections).toBe(0);

      const allowed = reportOf(await probeServer(server('hostile', { CONNECT_PORT: port }, { network: true }), { timeoutMs: BUDGET }));
      expect(allowed.connect).toBe('connected');
      expect(connections).toBe(1);
    } finally {
      await new Promise((r) => listener.close(r));
    }
  }, TEST_TIMEOUT);

  it('keeps the system read-only and /tmp private; only a writable cwd can be written', async () => {
    const outside = hostDir(0o777);
    const cwd = hostDir(0o777);
    const hostTmp = tempDir();
    chmodSync(hostTmp, 0o755);
    const hostTmpFile = join(hostTmp, 'visible-on-the-host');
    writeFileSync(hostTmpFile, 'host /tmp\n', { mode: 0o644 });
    const privateTmpFile = `/tmp/driftwatch-sandbox-${randomUUID()}`;
    const env = {
      WRITE_FILES: [join(outside, 'x'), join(cwd, 'y'), privateTmpFile].join(','),
      READ_FILES: hostTmpFile,
    };

    const readOnly = reportOf(await probeServer(server('hostile', env, { cwd }), { timeoutMs: BUDGET }));
    expect(readOnly.write).toEqual({ [join(outside, 'x')]: 'EROFS', [join(cwd, 'y')]: 'EROFS', [privateTmpFile]: 'ok' });
    expect(readOnly.read).toEqual({ [hostTmpFile]: 'ENOENT' });
    expect(existsSync(privateTmpFile)).toBe(false);

    const writable = reportOf(await probeServer(server('hostile', env, { cwd, writableCwd: true }), { timeoutMs: BUDGET }));
    expect(writable.write).toEqual({ [join(outside, 'x')]: 'EROFS', [join(cwd, 'y')]: 'ok', [privateTmpFile]: 'ok' });
    expect(readFileSync(join(cwd, 'y'), 'utf8')).toContain('hostile fixture');
    expect(existsSync(privateTmpFile)).toBe(false);
  }, TEST_TIMEOUT);

  it.runIf(isRoot)(`runs the server as uid ${SANDBOX_UID} when driftwatch is root: root's private files stay closed`, async () => {
    const dir = hostDir(0o755);
    const secret = join(dir, 'root-only');
    writeFileSync(secret, 'not for servers\n', { mode: 0o600 });
    const r = reportOf(await probeServer(server('hostile', { READ_FILES: secret }), { timeoutMs: BUDGET }));
    expect(r.read).toEqual({ [secret]: 'EACCES' });
  }, TEST_TIMEOUT);

  it('contains a fork bomb within the process limit, settles in time and leaves nothing behind', async () => {
    const marker = randomUUID();
    const limits = { processes: 48 };
    const { value, ms } = await timed(() =>
      probeServer(server('hostile', { BOMB: 'fork', [TEST_MARKER]: marker }, { limits }), { timeoutMs: BUDGET }),
    );
    expect(ms).toBeLessThan(BUDGET + 1000);
    // The server's own 100 `sleep`s compete with the bomb for 48 tasks (its own threads count too).
    expect(reportOf(value).spawned).toBeLessThan(limits.processes);
    expect(await markedAfter(marker, 1000)).toEqual([]);
  }, TEST_TIMEOUT);

  it('contains a memory bomb: allocations fail past memoryMb, and a heap bomb dies fast', async () => {
    const limits = { memoryMb: 256 };
    const buffers = reportOf(await probeServer(server('hostile', { BOMB: 'buffers' }, { limits }), { timeoutMs: BUDGET }));
    expect(buffers.allocatedMb).toBeGreaterThan(0);
    expect(buffers.allocatedMb).toBeLessThan(256);

    const { value, ms } = await timed(() => probeServer(server('hostile', { BOMB: 'heap' }, { limits }), { timeoutMs: BUDGET }));
    // Dead before the deadline (not a timeout): V8 aborts once the heap cannot grow.
    expect(expectFailure(value).code).toBe('connect_failed');
    expect(ms).toBeLessThan(BUDGET);
  }, TEST_TIMEOUT);

  it('kills a server that spins past its CPU time, before the probe deadline', async () => {
    // One CPU second: tsx's start-up may use it up already; either way RLIMIT_CPU's SIGKILL ends
    // the server, where without the limit the probe would run into its deadline.
    const r = expectFailure(await probeServer(server('hostile', { BOMB: 'cpu' }, { limits: { cpuSeconds: 1 } }), { timeoutMs: 45_000 }));
    expect(r.code).toBe('connect_failed');
    expect(r.reason).toContain('killed by SIGKILL');
  }, TEST_TIMEOUT);

  describe('without a usable bubblewrap', () => {
    let saved: string | undefined;
    beforeAll(() => {
      saved = process.env[BWRAP_ENV];
      process.env[BWRAP_ENV] = '/nonexistent/driftwatch-no-bwrap';
    });
    afterAll(() => {
      if (saved === undefined) delete process.env[BWRAP_ENV];
      else process.env[BWRAP_ENV] = saved;
    });

    it('fails `sandbox: bwrap` as sandbox_failed without starting the server', async () => {
      const marker = randomUUID();
      const r = expectFailure(await probeServer(server('mutable', { [TEST_MARKER]: marker }, { sandbox: 'bwrap' }), { timeoutMs: BUDGET }));
      expect(r.code).toBe('sandbox_failed');
      expect(r.reason).toContain('bwrap (bubblewrap) not found');
      expect(markedProcesses(marker)).toEqual([]);
    }, TEST_TIMEOUT);

    it('falls back under `auto`, records why, and the differ raises server.unsandboxed once', async () => {
      const marker = randomUUID();
      const r = expectOk(await probeServer(server('escape', { [TEST_MARKER]: marker }), { timeoutMs: BUDGET }));
      expect(r.observation.transport.sandbox).toEqual({ mode: 'none', reason: 'bubblewrap unavailable: bwrap (bubblewrap) not found' });
      expect(await markedAfter(marker, 200)).toEqual([]);

      const snapshot = (pollId: string): Snapshot => ({
        id: `${pollId}:snapshot`,
        type: 'snapshot',
        version: 1,
        time: '2026-01-01T00:00:00.000Z',
        serverId: 'fixture-escape',
        pollId,
        timings: r.timings,
        fingerprints: fingerprintObservation(r.observation),
        ...r.observation,
      });
      const base = { baseline: snapshot('p1'), approvalRequired: false, now: '2026-01-01T00:00:01.000Z' };
      const first = evaluateSnapshot({ ...base, message: snapshot('p1'), open: {} });
      expect(first.triggers.map((a) => [a.kind, a.severity])).toEqual([['server.unsandboxed', 'low']]);
      expect(first.triggers[0]!.summary).toContain('bwrap (bubblewrap) not found');
      const second = evaluateSnapshot({ ...base, message: snapshot('p2'), open: first.open });
      expect(second.triggers).toEqual([]);
      expect(second.open).toEqual(first.open);
    }, TEST_TIMEOUT);
  });
});
