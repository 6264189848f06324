/**
 * Everything a benchmark run starts, and how it all goes away: child processes, temp dirs and
 * outside services (Kafka, Redis keys) are registered in a Scope and released in reverse order by
 * `close()` (memoised; each step in its own try/catch). On Ctrl-C or SIGTERM every live scope is
 * closed before the process exits; on any other exit (an uncaught error, process.exit) a
 * synchronous last resort SIGKILLs the children, runs each step's sync fallback and removes the
 * temp dirs, so no run leaves an orphan or a broker behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/infra's watchdog: kills a child (and removes dirs) once its owner is gone, even by SIGKILL. */
const WATCHDOG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'infra', 'lib', 'watchdog.sh');

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** The last `lines` lines of its log. */
  tail(lines?: number): string;
}

interface Step {
  name: string;
  close: () => Promise<void>;
  /** Synchronous fallback when the process exits without closing the scope. */
  emergency?: () => void;
}

const live = new Set<Scope>();
let signalled = false;

/** True once Ctrl-C or SIGTERM arrived: the run is being torn down, its errors are not failures. */
export function interrupted(): boolean {
  return signalled;
}

export class Scope {
  private readonly steps: Step[] = [];
  private readonly dirs: string[] = [];
  private readonly children: Child[] = [];
  private closing: Promise<void> | undefined;
  /** Keep temp dirs (and the logs in them) after close. */
  keep = false;

  constructor(readonly name: string) {
    live.add(this);
  }

  /** A temp dir removed on close; world-readable, so a sandboxed server (as nobody) can enter it. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(dir, 0o755);
    this.dirs.push(dir);
    this.defer(`rm ${dir}`, async () => this.removeDir(dir), () => this.removeDir(dir));
    return dir;
  }

  private removeDir(dir: string): void {
    if (this.keep) process.stderr.write(`bench:fleet: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }

  /** Registers a release step: run on close, last registered first. */
  defer(name: string, close: () => Promise<void>, emergency?: () => void): void {
    this.steps.push({ name, close, ...(emergency ? { emergency } : {}) });
  }

  /**
   * Spawns a child whose stderr (and stdout, unless `pipes`) go to `logFile`; stopped on close.
   * `pipes`: stdin and stdout as pipes (a child that reports on stdout and exits when stdin ends).
   */
  spawn(name: string, command: string, args: string[], logFile: string, options: Omit<SpawnOptions, 'stdio'> & { pipes?: boolean } = {}): Child {
    const log = openSync(logFile, 'a');
    const { pipes, ...rest } = options;
    // A process group of its own: Ctrl-C reaches the benchmark only, which then stops each child
    // in order (a service that got SIGINT from the terminal and then our SIGTERM would take the
    // second signal as "exit now" and skip its graceful shutdown).
    const proc = spawn(command, args, { ...rest, detached: true, stdio: pipes ? ['pipe', 'pipe', log] : ['ignore', log, log] });
    closeSync(log);
    if (proc.pid !== undefined) {
      spawn('bash', [WATCHDOG, String(process.pid), String(proc.pid), ...(this.keep ? [] : this.dirs)], { detached: true, stdio: 'ignore' }).unref();
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', () => resolve({ code: null, signal: null }));
    });
    if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const child: Child = {
      name,
      proc,
      pid: proc.pid,
      logFile,
      exited,
      alive: () => proc.exitCode === null && proc.signalCode === null,
      tail: (lines = 20) => {
        try {
          return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          return '(no log)';
        }
      },
    };
    this.children.push(child);
    this.defer(`stop ${name}`, () => stopChild(child), () => {
      if (child.alive()) proc.kill('SIGKILL');
    });
    return child;
  }

  /** Releases everything, last registered first. Memoised. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.close();
        } catch (err) {
          process.stderr.write(`bench:fleet: ${this.name}: ${step.name} failed: ${(err as Error).message}\n`);
        }
      }
      live.delete(this);
    })();
    return this.closing;
  }

  /** Synchronous last resort (process 'exit'): children killed, sync fallbacks run, dirs removed. */
  emergency(): void {
    for (const step of [...this.steps].reverse()) {
      try {
        step.emergency?.();
      } catch {
        // best effort: the process is exiting
      }
    }
  }
}

/** SIGTERM (a service's graceful shutdown: its probes kill their servers), SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 20_000): Promise<void> {
  if (!child.alive()) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.alive() && child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

let installed = false;

/** Closes every live scope on Ctrl-C / SIGTERM, and kills what is left on any exit. */
export function installCleanup(log: (line: string) => void): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const scope of live) scope.emergency();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: killing everything now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    signalled = true;
    log(`${signal}: stopping every child process and cleaning up (again to force)`);
    const all = Promise.allSettled([...live].map((s) => s.close()));
    const deadline = new Promise((r) => setTimeout(r, 60_000).unref());
    void Promise.race([all, deadline]).then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** GET http://127.0.0.1:port/path with a fresh connection; status, body, time and size. */
export function httpGet(port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string; ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: buf.toString('utf8'), ms: performance.now() - started, bytes: buf.length });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until GET `path` answers 200. Throws, with the end of the child's log, when the child
 * exits first or `timeoutMs` passes: a service that never becomes ready fails the run clearly.
 */
export async function waitReady(child: Child, port: number, path: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let last = 'no answer yet';
  while (performance.now() - started < timeoutMs) {
    if (!child.alive()) {
      const { code, signal } = await child.exited;
      throw new Error(`${child.name} exited (${signal ?? `code ${code}`}) before it was ready; last lines of ${child.logFile}:\n${child.tail()}`);
    }
    try {
      const res = await httpGet(port, path, 2_000);
      if (res.status === 200) return performance.now() - started;
      last = `${res.status} ${res.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${child.name} did not become ready within ${Math.round(timeoutMs / 1000)} s (GET ${path}: ${last}); last lines of ${child.logFile}:\n${child.tail()}`);
}
