/**
 * The distributed mode's Kafka and Redis. Kafka: a throwaway broker of the run's own
 * (test/infra/kafka/kafka.sh, state in a temp dir, a watchdog that stops it if the benchmark dies
 * outright), stopped with the run's scope. Redis: the machine's, on a database of its own, where
 * the services' keys (`dw:*`) must be absent before the run and are removed after it (also the
 * ones a run killed with SIGKILL left: the database names its owner's pid).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ROOT } from '../../e2e/helpers.js';
import { runScript } from '../../infra/local.js';
import type { Scope } from './children.js';

const KAFKA_SH = join(ROOT, 'test/infra/kafka/kafka.sh');
/** The prefix of every key the Redis store writes (services/cli/src/app.ts: `${namespace}dw:`; the CLI has no namespace). */
const KEY_PATTERN = 'dw:*';
/** Which benchmark process uses the database: a run killed outright (SIGKILL) leaves its keys, and its pid, behind. */
const OWNER_KEY = 'fleet-bench:owner';
const COUNT_KEYS = "return #redis.call('keys', ARGV[1])";
const DELETE_KEYS = "local n = 0 for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('unlink', k) n = n + 1 end return n";

export async function startKafka(scope: Scope): Promise<{ brokers: string; pid: number }> {
  const state = scope.tempDir('driftwatch-kafka-state-fleet-');
  const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_KAFKA_STATE: state, DRIFTWATCH_OWNER_PID: String(process.pid) };
  scope.defer(
    'stop kafka',
    async () => void (await runScript(KAFKA_SH, 'stop', env, 60_000)),
    () => void spawnSync('bash', [KAFKA_SH, 'stop'], { env, stdio: 'ignore', timeout: 30_000 }),
  );
  const brokers = await runScript(KAFKA_SH, 'start', env, 10 * 60_000);
  if (!/^127\.0\.0\.1:\d+$/.test(brokers)) throw new Error(`kafka.sh start printed "${brokers}", not 127.0.0.1:PORT`);
  return { brokers, pid: Number(readFileSync(join(state, 'pid'), 'utf8').trim()) };
}

/** Checks the database is free of Driftwatch keys, removes them again on close; the server's pid for sampling. */
export async function prepareRedis(scope: Scope, url: string): Promise<{ pid: number | undefined }> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
  } catch (err) {
    throw new Error(`cannot reach Redis at ${url}: ${(err as Error).message}`);
  }
  try {
    const owner = Number(await redis.get(OWNER_KEY));
    if (owner > 0 && owner !== process.pid && !alive(owner)) {
      const removed = Number(await redis.eval(DELETE_KEYS, 0, KEY_PATTERN));
      process.stderr.write(`bench:fleet: removed ${removed} ${KEY_PATTERN} keys a killed benchmark run (pid ${owner}) left in ${url}\n`);
    }
    const existing = Number(await redis.eval(COUNT_KEYS, 0, KEY_PATTERN));
    if (existing > 0) throw new Error(`Redis ${url} already holds ${existing} ${KEY_PATTERN} keys: another deployment uses this database; pass --redis-url with another database (redis://127.0.0.1:6379/N)`);
    await redis.set(OWNER_KEY, String(process.pid));
    const info = await redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    scope.defer(
      `remove ${KEY_PATTERN} from ${url}`,
      async () => {
        const cleaner = new Redis(url, { maxRetriesPerRequest: 1 });
        try {
          await cleaner.eval(DELETE_KEYS, 0, KEY_PATTERN);
          await cleaner.del(OWNER_KEY);
        } finally {
          cleaner.disconnect();
        }
      },
      () => {
        spawnSync('redis-cli', ['-u', url, 'EVAL', DELETE_KEYS, '0', KEY_PATTERN], { stdio: 'ignore', timeout: 30_000 });
        spawnSync('redis-cli', ['-u', url, 'DEL', OWNER_KEY], { stdio: 'ignore', timeout: 10_000 });
      },
    );
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined };
  } finally {
    redis.disconnect();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
