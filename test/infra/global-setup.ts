// vitest globalSetup for the `integration` project: provides real Kafka and Redis.
// Per service: the address from KAFKA_BROKERS / REDIS_URL when set; else a container when a
// Docker engine answers; else a local process (redis-server; Kafka KRaft from Maven Central jars).
// Everything started here is stopped in the returned teardown.
//
// DRIFTWATCH_TEST_INFRA=local|containers skips the Docker probe and forces one way.
import { execFile } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startLocalKafka, startLocalRedis, type LocalService } from './local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    redisUrl: string;
  }
}

type Source = 'env' | 'containers' | 'local';

function say(line: string): void {
  process.stderr.write(`[test-infra] ${line}\n`);
}

function dockerAnswers(): Promise<boolean> {
  const forced = process.env.DRIFTWATCH_TEST_INFRA;
  if (forced === 'local') return Promise.resolve(false);
  if (forced === 'containers') return Promise.resolve(true);
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 }, (error, stdout) =>
      resolve(!error && stdout.trim().length > 0),
    );
  });
}

async function provide(
  name: string,
  fromEnv: string | undefined,
  useContainers: boolean,
  viaContainer: () => Promise<LocalService>,
  viaLocal: () => Promise<LocalService>,
  started: LocalService[],
): Promise<{ address: string; source: Source }> {
  const t0 = performance.now();
  if (fromEnv) {
    say(`${name}: ${fromEnv} (from env)`);
    return { address: fromEnv, source: 'env' };
  }
  const source: Source = useContainers ? 'containers' : 'local';
  const service = await (useContainers ? viaContainer() : viaLocal());
  started.push(service);
  say(`${name}: ${service.address} (${source === 'containers' ? 'testcontainers' : 'local process'}, ready in ${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  return { address: service.address, source };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const envKafka = process.env.KAFKA_BROKERS?.trim() || undefined;
  const envRedis = process.env.REDIS_URL?.trim() || undefined;
  const useContainers = envKafka && envRedis ? false : await dockerAnswers();
  const containers = (): Promise<typeof import('./containers.js')> => import('./containers.js');

  const started: LocalService[] = [];
  const teardown = async (): Promise<void> => {
    const t0 = performance.now();
    const results = await Promise.allSettled(started.splice(0).map((s) => s.stop()));
    for (const r of results) if (r.status === 'rejected') say(`teardown failed: ${String(r.reason)}`);
    if (results.length > 0) say(`stopped ${results.length} service(s) in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  };

  try {
    // Both at once: Redis is ready long before the broker.
    const [kafka, redis] = await Promise.all([
      provide('kafka', envKafka, useContainers, async () => (await containers()).startKafkaContainer(), startLocalKafka, started),
      provide('redis', envRedis, useContainers, async () => (await containers()).startRedisContainer(), startLocalRedis, started),
    ]);
    // Workers are forked after global setup and inherit this environment; provide() is the
    // documented channel (inject()) and covers pools that do not inherit it.
    process.env.KAFKA_BROKERS = kafka.address;
    process.env.REDIS_URL = redis.address;
    project.provide('kafkaBrokers', kafka.address);
    project.provide('redisUrl', redis.address);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
