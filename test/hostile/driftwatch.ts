/**
 * The product under test, started exactly as test/e2e/embedded.test.ts starts it: the CLI's bin
 * with `start --config --data-dir --port`, no KAFKA_BROKERS or REDIS_URL in its environment (so
 * the embedded default), its logs going to files in the run directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Driftwatch {
  child: ChildProcess;
  pid: number;
  port: number;
  stdoutFile: string;
  stderrFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr(): string;
}

export function startDriftwatch(
  root: string,
  runDir: string,
  configFile: string,
  dataDir: string,
  port: number,
  attempt: number,
  extraEnv: Record<string, string> = {},
): Driftwatch {
  const env = { ...process.env, ...extraEnv };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  const stdoutFile = join(runDir, `driftwatch.${attempt}.stdout.log`);
  const stderrFile = join(runDir, `driftwatch.${attempt}.stderr.log`);
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const child = spawn(
    process.execPath,
    // HOSTILE_NODE_ARGS: extra Node flags for driftwatch, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    // to see where its event loop spends a hostile run (NODE_OPTIONS refuses --cpu-prof).
    [...(process.env.HOSTILE_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'services/cli/bin/driftwatch.mjs'), 'start', '--config', configFile, '--data-dir', dataDir, '--port', String(port)],
    { cwd: root, env, stdio: ['ignore', out, err] },
  );
  closeSync(out);
  closeSync(err);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, pid: child.pid!, port, stdoutFile, stderrFile, exited, stderr: () => readFileSync(stderrFile, 'utf8') };
}

/** GET on 127.0.0.1:port; resolves with status and body text (bounded by `maxBytes`). */
export function httpGet(port: number, path: string, timeoutMs = 10_000, maxBytes = 64 * 1024 * 1024): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > maxBytes) req.destroy(new Error(`${path}: answer over ${maxBytes} bytes`));
        else chunks.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${Math.round(timeoutMs)} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function getJson<T>(port: number, path: string, timeoutMs = 10_000): Promise<T> {
  const { status, body } = await httpGet(port, path, timeoutMs);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${body.slice(0, 200)}`);
  return JSON.parse(body) as T;
}

/**
 * GET with patience: a stalled event loop is a finding to report, not a reason for the driver to
 * give up, so each try waits long and a failed try is repeated.
 */
export async function fetchText(port: number, path: string, tries = 3, timeoutMs = 30_000): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const { status, body } = await httpGet(port, path, timeoutMs);
      if (status === 200) return body;
      last = new Error(`status ${status}: ${body.slice(0, 200)}`);
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`GET ${path}: ${(last as Error).message}`);
}

/** Resolves 'ready' once /healthz answers 200, or 'exited' if the process ends first. */
export async function waitReady(dw: Driftwatch, timeoutMs: number): Promise<'ready' | 'exited'> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void dw.exited.then(() => (exited = true));
  while (performance.now() < deadline) {
    if (exited) return 'exited';
    try {
      if ((await httpGet(dw.port, '/healthz', 1000)).status === 200) return 'ready';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`driftwatch did not answer /healthz within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs`; how it ended and how long it took. */
export async function stopDriftwatch(dw: Driftwatch, graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; forced: boolean }> {
  const started = performance.now();
  dw.child.kill('SIGTERM');
  let forced = false;
  const timer = setTimeout(() => {
    forced = true;
    dw.child.kill('SIGKILL');
  }, graceMs);
  const end = await dw.exited;
  clearTimeout(timer);
  return { code: end.code, signal: end.signal, ms: Math.round(end.at - started), forced };
}
