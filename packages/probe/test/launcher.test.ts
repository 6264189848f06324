import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Launcher, type LaunchedServer } from '../src/sandbox/launcher.js';
import { isAlive } from './helpers.js';

const SH = '/bin/sh';
const launchers: Launcher[] = [];
afterEach(() => {
  for (const l of launchers.splice(0)) l.close();
});

function fresh(): Launcher {
  const l = new Launcher();
  launchers.push(l);
  return l;
}

function started(server: LaunchedServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('spawn', resolve);
    server.once('error', reject);
  });
}

function exited(server: LaunchedServer): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
    stream.on('end', () => resolve(text));
  });
}

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

describe('launcher (servers started from a small process of their own)', () => {
  it('wires stdin and stdout to the server, keeps stderr apart, and reports the exit code', async () => {
    const server = fresh().launch({
      command: SH,
      args: ['-c', 'read line; echo "got $line"; echo oops >&2; exit 3'],
      env: { PATH: '/usr/bin:/bin' },
      cwd: undefined,
    });
    await started(server);
    const out = readAll(server.stdout!);
    const err = readAll(server.stderr!);
    const exit = exited(server);
    server.stdin!.end('hello\n');
    expect(await out).toBe('got hello\n');
    expect(await err).toBe('oops\n');
    expect(await exit).toEqual({ code: 3, signal: null });
  });

  it('reports a server that exits at once as started, with its output, then its exit', async () => {
    const l = fresh();
    // The exit report can reach this side before it has accepted the server's sockets.
    for (let i = 0; i < 10; i++) {
      const server = l.launch({ command: SH, args: ['-c', 'echo bye; echo err >&2; exit 7'], env: {}, cwd: undefined });
      const exit = exited(server);
      await started(server);
      const [out, err] = await Promise.all([readAll(server.stdout!), readAll(server.stderr!)]);
      expect({ out, err, exit: await exit }).toEqual({ out: 'bye\n', err: 'err\n', exit: { code: 7, signal: null } });
    }
  });

  it('starts the server as a child of the launcher, not of this process, in a session of its own', async () => {
    const server = fresh().launch({ command: SH, args: ['-c', 'sleep 30'], env: {}, cwd: undefined });
    await started(server);
    const pid = server.pid!;
    expect(parentOf(pid)).not.toBe(process.pid);
    expect(parentOf(parentOf(pid))).toBe(process.pid);
    // Session id (field 6) is the server's own pid: spawned detached.
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]).toBe(String(pid));
    process.kill(-pid, 'SIGKILL');
    expect(await exited(server)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails a command that cannot start, with the reason', async () => {
    const server = fresh().launch({ command: '/nonexistent/server', args: [], env: {}, cwd: undefined });
    await expect(started(server)).rejects.toThrow(/ENOENT/);
  });

  it('takes its servers down when it is closed, and when it is killed', async () => {
    const l = fresh();
    const a = l.launch({ command: SH, args: ['-c', 'sleep 30'], env: {}, cwd: undefined });
    await started(a);
    const aExit = exited(a);
    l.close();
    expect((await aExit).signal).toBe('SIGKILL');
    await expect.poll(() => isAlive(a.pid!), { timeout: 5_000 }).toBe(false);

    // Started again on next use; a kill -9 of the launcher reaches its servers too.
    const b = l.launch({ command: SH, args: ['-c', 'sleep 30'], env: {}, cwd: undefined });
    await started(b);
    const bExit = exited(b);
    process.kill(parentOf(b.pid!), 'SIGKILL');
    expect((await bExit).signal).toBe('SIGKILL');
    await expect.poll(() => isAlive(b.pid!), { timeout: 5_000 }).toBe(false);
  });

  it('keeps launching when its socket directory was removed under it (a /tmp cleaner)', async () => {
    const l = fresh();
    const first = l.launch({ command: SH, args: ['-c', 'exit 0'], env: {}, cwd: undefined });
    await started(first);
    rmSync((l as unknown as { dir: string }).dir, { recursive: true, force: true });
    const next = l.launch({ command: SH, args: ['-c', 'echo again'], env: {}, cwd: undefined });
    await started(next);
    expect(await readAll(next.stdout!)).toBe('again\n');
  });

  it('removes its socket directory and kills its servers when its thread is gone (IPC channel closed)', async () => {
    const l = fresh();
    const server = l.launch({ command: SH, args: ['-c', 'sleep 30'], env: {}, cwd: undefined });
    await started(server);
    // What a terminated probe thread leaves the launcher: its channel closing.
    const internals = l as unknown as { dir: string; child: { disconnect(): void } };
    const dir = internals.dir;
    expect(existsSync(dir)).toBe(true);
    internals.child.disconnect();
    await expect.poll(() => existsSync(dir), { timeout: 5_000 }).toBe(false);
    await expect.poll(() => isAlive(server.pid!), { timeout: 5_000 }).toBe(false);
  });

  it('kills a server whose start arrives after the caller gave up on it', async () => {
    const l = fresh();
    const server = l.launch({ command: SH, args: ['-c', 'sleep 30'], env: {}, cwd: undefined });
    server.abandon();
    // Another launch through the same launcher, to know the first one was handled by now.
    const next = l.launch({ command: SH, args: ['-c', 'exit 0'], env: {}, cwd: undefined });
    // Listen for the exit before the start: a server that exits at once reports both in one turn.
    const nextExit = exited(next);
    await started(next);
    await nextExit;
    if (server.pid !== undefined) await expect.poll(() => isAlive(server.pid!), { timeout: 5_000 }).toBe(false);
    expect(server.stdout).toBeUndefined();
  });
});
