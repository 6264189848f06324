import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { killGroup } from './process-tree.js';
import { findTools } from './tools.js';

const LAUNCHER_FILE = fileURLToPath(new URL('./launcher-process.mjs', import.meta.url));
/** How long the launcher may take to start one server (connect, fork, exec) before the start fails. */
const LAUNCH_TIMEOUT_MS = 10_000;

const FromLauncher = z.discriminatedUnion('type', [
  z.object({ type: z.literal('spawned'), id: z.number().int(), pid: z.number().int().positive() }),
  z.object({ type: z.literal('failed'), id: z.number().int(), reason: z.string().max(2000) }),
  z.object({ type: z.literal('exit'), id: z.number().int(), code: z.number().int().nullable(), signal: z.string().max(20).nullable() }),
]);

export interface LaunchRequest {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

/**
 * A server started by the launcher, shaped like the parts of ChildProcess the stdio transport
 * uses: `spawn` once it runs (stdin, stdout and stderr are set by then), `error` if it could not
 * start, `exit` (code, signal) when it has ended. stdin and stdout are one Unix socket.
 */
export class LaunchedServer extends EventEmitter {
  pid: number | undefined;
  stdin: Writable | undefined;
  stdout: Readable | undefined;
  stderr: Readable | undefined;
  /** Set once `exit` was emitted. */
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private abandoned = false;

  constructor(
    private readonly release: () => void,
  ) {
    super();
  }

  /** The transport is done with it before it started: a late start is killed at once. */
  abandon(): void {
    this.abandoned = true;
    this.stdin?.destroy();
    this.stderr?.destroy();
    this.release();
  }

  /** @internal */
  started(pid: number, io: Socket, err: Socket): void {
    this.pid = pid;
    if (this.abandoned) {
      killGroup(pid, 'SIGKILL');
      io.destroy();
      err.destroy();
      return;
    }
    this.stdin = io;
    this.stdout = io;
    this.stderr = err;
    this.emit('spawn');
  }

  /** @internal */
  failed(error: Error): void {
    this.release();
    if (!this.abandoned) this.emit('error', error);
  }

  /** @internal */
  ended(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    this.release();
    this.emit('exit', code, signal);
  }
}

interface Pending {
  server: LaunchedServer;
  listeners: Server[];
  io?: Socket;
  err?: Socket;
  pid?: number;
  /** The launcher's exit report, when it came before this side accepted the sockets. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  timer: NodeJS.Timeout;
}

/**
 * Starts probed servers from a small process of its own (launcher-process.mjs says why), one per
 * thread that probes stdio servers, started on first use and again if it died. Kill with the
 * usual tools (killGroup on `pid`): the servers are ordinary processes of this machine.
 */
export class Launcher {
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private nextId = 1;
  private readonly byId = new Map<number, Pending>();
  /** Started servers not yet exited: told of the launcher's death if it dies first. */
  private readonly running = new Map<number, LaunchedServer>();

  launch(request: LaunchRequest): LaunchedServer {
    const id = this.nextId++;
    const server = new LaunchedServer(() => this.forget(id));
    let launcher: ChildProcess;
    let dir: string;
    try {
      ({ launcher, dir } = this.ensure());
    } catch (e) {
      queueMicrotask(() => server.failed(new Error(`cannot start the launcher: ${(e as Error).message}`)));
      return server;
    }
    const pending: Pending = {
      server,
      listeners: [],
      timer: setTimeout(() => this.fail(id, new Error(`the launcher did not start it within ${LAUNCH_TIMEOUT_MS} ms`)), LAUNCH_TIMEOUT_MS),
    };
    this.byId.set(id, pending);
    const io = join(dir, `${id}.io`);
    const err = join(dir, `${id}.err`);
    pending.listeners = [this.listen(id, io, 'io'), this.listen(id, err, 'err')];
    let ready = 0;
    for (const l of pending.listeners) {
      l.once('listening', () => {
        if (++ready < 2 || !this.byId.has(id)) return;
        launcher.send({ type: 'launch', id, command: request.command, args: request.args, env: request.env, cwd: request.cwd, io, err });
      });
      l.once('error', (e) => this.fail(id, new Error(`cannot open the launch socket: ${e.message}`)));
    }
    return server;
  }

  /** Starts the launcher ahead of the first server (a probe thread, while it boots). Never throws. */
  warmUp(): void {
    try {
      this.ensure();
    } catch {
      // The first launch reports it.
    }
  }

  /** Stops the launcher, which kills every server it started that is still running. */
  close(): void {
    for (const id of [...this.byId.keys()]) this.fail(id, new Error('launcher closed'));
    this.child?.kill('SIGTERM');
    this.child = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private listen(id: number, path: string, which: 'io' | 'err'): Server {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      server.close();
      const p = this.byId.get(id);
      if (!p || p[which]) {
        socket.destroy();
        return;
      }
      p[which] = socket;
      this.maybeStarted(id);
    });
    server.listen(path);
    return server;
  }

  private maybeStarted(id: number): void {
    const p = this.byId.get(id);
    if (!p || !p.io || !p.err || p.pid === undefined) return;
    clearTimeout(p.timer);
    this.byId.delete(id);
    this.running.set(id, p.server);
    p.io.resume();
    p.err.resume();
    p.server.started(p.pid, p.io, p.err);
    // A server that was quick to exit: started, then ended, in that order (what it wrote stays
    // readable on its sockets).
    if (p.exit) {
      this.running.delete(id);
      p.server.ended(p.exit.code, p.exit.signal);
    }
  }

  private fail(id: number, error: Error): void {
    const p = this.byId.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.byId.delete(id);
    for (const l of p.listeners) l.close();
    p.io?.destroy();
    p.err?.destroy();
    if (p.pid !== undefined) killGroup(p.pid, 'SIGKILL');
    p.server.failed(error);
  }

  private forget(id: number): void {
    const p = this.byId.get(id);
    if (p) {
      // Abandoned before it started: a start that still arrives is killed (LaunchedServer.started);
      // the timer still clears the entry if nothing arrives.
      for (const l of p.listeners) l.close();
      p.io?.destroy();
      p.err?.destroy();
    }
  }

  private onMessage(raw: unknown): void {
    const parsed = FromLauncher.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'exit') {
      const server = this.running.get(m.id);
      this.running.delete(m.id);
      const exit = { code: m.code, signal: m.signal as NodeJS.Signals | null };
      if (server) {
        server.ended(exit.code, exit.signal);
        return;
      }
      // Exited before this side accepted its sockets (they wait in the listen queue): reported
      // once they are.
      const pending = this.byId.get(m.id);
      if (pending?.pid !== undefined) {
        pending.exit = exit;
        this.maybeStarted(m.id);
      } else this.fail(m.id, new Error(`exited before it was connected (code ${m.code}, signal ${m.signal})`));
      return;
    }
    const p = this.byId.get(m.id);
    if (m.type === 'failed') {
      this.fail(m.id, new Error(m.reason));
      return;
    }
    if (!p) {
      killGroup(m.pid, 'SIGKILL');
      return;
    }
    p.pid = m.pid;
    this.maybeStarted(m.id);
  }

  private ensure(): { launcher: ChildProcess; dir: string } {
    if (this.child && this.dir && this.child.connected) {
      // A /tmp cleaner may have removed it under a long-running driftwatch: a fresh one (launches
      // carry full paths), never the same name re-made, which someone else may have taken.
      if (!existsSync(this.dir)) this.dir = mkdtempSync(join(tmpdir(), 'driftwatch-launch-'));
      return { launcher: this.child, dir: this.dir };
    }
    this.close();
    // mkdtemp makes it 0700: only this uid can connect to the sockets in it.
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-launch-'));
    const tools = findTools();
    // It removes `dir` when it exits because this thread is gone (close() does it otherwise).
    const node = [process.execPath, LAUNCHER_FILE, dir];
    // It dies with this thread: the IPC channel's end (launcher-process.mjs), and setpriv's
    // parent-death signal for a kill -9 that leaves it no time to notice.
    const [command, ...args] = tools.setpriv ? [tools.setpriv, '--pdeathsig=KILL', '--', ...node] : node;
    const child = spawn(command!, args, {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
      // No NODE_OPTIONS: it needs no loader, and must start fast.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.on('message', (m) => this.onMessage(m));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
      for (const id of [...this.byId.keys()]) this.fail(id, new Error('the launcher exited'));
      // Its servers got SIGKILL from it or from their parent-death signal; the transport's
      // close sweeps what is left by process group.
      for (const [id, server] of this.running) {
        this.running.delete(id);
        if (server.pid !== undefined) killGroup(server.pid, 'SIGKILL');
        server.ended(null, 'SIGKILL');
      }
    });
    child.on('error', () => undefined);
    // Never what keeps a process alive: servers in use hold their sockets, which are referenced.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.child = child;
    this.dir = dir;
    return { launcher: child, dir };
  }
}

let shared: Launcher | undefined;

/** This thread's launcher. */
export function launcher(): Launcher {
  shared ??= new Launcher();
  return shared;
}
