// The chaos suite's own Kafka broker and Redis: killed with SIGKILL and started again on the same
// ports, so every client sees the outage a crash would cause. Never the shared test services.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../infra/local.js';
import { ROOT } from '../e2e/helpers.js';
import { freePort, waitUntil } from './wait.js';

const KAFKA_SH = join(ROOT, 'test/infra/kafka/kafka.sh');

export class ChaosKafka {
  readonly state = mkdtempSync(join(tmpdir(), 'driftwatch-kafka-state-chaos-'));
  brokers = '';
  private readonly env: NodeJS.ProcessEnv = {
    ...process.env,
    DRIFTWATCH_KAFKA_STATE: this.state,
    // The watchdog stops the broker if the test runner dies without its teardown.
    DRIFTWATCH_OWNER_PID: String(process.pid),
  };

  async start(): Promise<string> {
    this.brokers = await runScript(KAFKA_SH, 'start', this.env, 10 * 60_000);
    return this.brokers;
  }

  kill(): Promise<string> {
    return runScript(KAFKA_SH, 'kill', this.env, 30_000);
  }

  async restart(): Promise<void> {
    await runScript(KAFKA_SH, 'restart', this.env, 120_000);
  }

  async stop(): Promise<void> {
    await runScript(KAFKA_SH, 'stop', this.env, 30_000).catch(() => undefined);
    rmSync(this.state, { recursive: true, force: true });
  }
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * Redis with an append-only file fsync'd on every write (what a production Redis that must not
 * lose a quarantine runs), so a kill -9 and a restart keep the data; `restart({ empty: true })`
 * is a new instance: the data directory is wiped first.
 */
export class ChaosRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'driftwatch-redis-chaos-'));
  port = 0;
  private child: ChildProcess | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    if (this.port === 0) this.port = await freePort();
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    const log = openSync(join(this.dir, 'redis.log'), 'a');
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', data, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'],
      { stdio: ['ignore', log, log] },
    );
    await waitUntil(`redis on ${this.port}`, () => pong(this.port), 15_000);
    return this.url;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  async restart(options: { empty?: boolean } = {}): Promise<void> {
    await this.kill();
    if (options.empty) rmSync(join(this.dir, 'data'), { recursive: true, force: true });
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
