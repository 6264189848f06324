// Starts and stops the local (no Docker) services through the scripts in this directory.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface LocalService {
  /** host:port for Kafka, redis:// URL for Redis. */
  address: string;
  stop(): Promise<void>;
}

/** Runs `bash SCRIPT COMMAND`; resolves with the last line it printed on stdout. */
export function runScript(script: string, command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr goes straight through: the scripts say when they download jars or fail.
    const child = spawn('bash', [script, command], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`${script} ${command} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

async function startLocal(kind: 'kafka' | 'redis', timeoutMs: number): Promise<LocalService> {
  const script = join(here, kind, `${kind}.sh`);
  // A state directory per test run: parallel runs on one machine never share a broker or port.
  const state = await mkdtemp(join(tmpdir(), `driftwatch-${kind}-state-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [kind === 'kafka' ? 'DRIFTWATCH_KAFKA_STATE' : 'DRIFTWATCH_REDIS_STATE']: state,
    // If this process dies without running teardown, the watchdog stops the service.
    DRIFTWATCH_OWNER_PID: String(process.pid),
  };
  const stop = async (): Promise<void> => {
    try {
      await runScript(script, 'stop', env, 30_000);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  };
  try {
    const address = await runScript(script, 'start', env, timeoutMs);
    if (!address) throw new Error(`${script} start printed no address`);
    return { address, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

export function startLocalKafka(): Promise<LocalService> {
  // Generous: the first run on a fresh machine downloads the broker jars with Maven.
  return startLocal('kafka', 10 * 60_000);
}

export function startLocalRedis(): Promise<LocalService> {
  return startLocal('redis', 30_000);
}
