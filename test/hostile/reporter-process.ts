import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GoodControlFigures } from './good-control-process.js';
import type { HealthzSamples } from './healthz-process.js';

/**
 * Forks a measuring process (run with tsx) that sends one message once it measures and its
 * figures when told 'stop'; resolves once it measures.
 */
async function startReporter<T>(file: string, args: string[], what: string): Promise<{ pid: number; stop(): Promise<T> }> {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${what} exited (code ${code}) before reporting`))));
  exited.catch(() => undefined);
  await Promise.race([new Promise<void>((resolve) => child.once('message', () => resolve())), exited]);
  return {
    pid: child.pid!,
    async stop() {
      const figures = Promise.race([new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T))), exited]);
      child.send('stop');
      return figures;
    },
  };
}

/** The /healthz sampler (healthz-process.ts): driftwatch's and the control server's figures. */
export function startHealthzProcess(port: number) {
  return startReporter<HealthzSamples>('./healthz-process.ts', [String(port)], 'healthz sampler');
}

/** The good server's control poller (good-control-process.ts). */
export function startGoodControl(entry: unknown) {
  return startReporter<GoodControlFigures>('./good-control-process.ts', [JSON.stringify(entry)], 'good control');
}
