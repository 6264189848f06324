// Each Driftwatch service as its own process, the way docker-compose runs them: the real CLI
// (`driftwatch poller|differ|responder|api`), a stable instance id per service (a restarted
// container keeps its hostname), and a restart policy: a service that exits on its own is
// started again after a second and the exit is recorded, like `restart: unless-stopped`.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/helpers.js';
import { freePort, sleep, waitUntil } from './wait.js';

export type Service = 'poller' | 'differ' | 'responder' | 'api';

const CLI = join(ROOT, 'services/cli/bin/driftwatch.mjs');

export interface UnplannedExit {
  service: Service;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export class ServiceProcess {
  port = 0;
  private child: ChildProcess | undefined;
  private wanted = false;
  readonly unplannedExits: UnplannedExit[] = [];

  constructor(
    readonly service: Service,
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.wanted = true;
    this.spawnOnce();
    await this.ready(90_000);
  }

  private spawnOnce(): void {
    const log = openSync(join(this.dir, `${this.service}.log`), 'a');
    const child = spawn(process.execPath, [CLI, this.service, '--port', String(this.port), '--host', '127.0.0.1'], {
      env: { ...this.env, DRIFTWATCH_INSTANCE_ID: `chaos-${this.service}` },
      stdio: ['ignore', log, log],
    });
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child !== child || !this.wanted) return;
      // Not asked for: the restart policy brings it back, and the test hears about it.
      this.unplannedExits.push({ service: this.service, code, signal, at: Date.now() });
      void sleep(1_000).then(() => {
        if (this.child === child && this.wanted) this.spawnOnce();
      });
    });
  }

  /** Waits until /readyz answers 200. */
  async ready(timeoutMs: number): Promise<void> {
    await waitUntil(`${this.service} /readyz`, async () => {
      const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      return res?.status === 200;
    }, timeoutMs);
  }

  /** kill -9: no shutdown hooks, no offset commit, no lease release. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.wanted = false;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM and wait: the clean shutdown at the end of the run. */
  async stop(): Promise<void> {
    const child = this.child;
    this.wanted = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }
}
