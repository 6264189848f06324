/**
 * Distributed mode: poller, differ, responder and api each its own process (the real CLI, as
 * docker-compose and the chaos suite run them) on a Kafka broker of the run's own and Redis.
 * Started in the chaos suite's order, the poller last, so nothing is polled before the differ
 * and the responder listen. A service that exits is a failed run, not restarted.
 */
import { join } from 'node:path';
import { ROOT } from '../../../e2e/helpers.js';
import { freePort } from '../../../chaos/wait.js';
import { waitReady, type Scope } from '../children.js';
import type { Fleet } from '../fleet.js';
import { prepareRedis, startKafka } from '../infra.js';
import { measure, type Service } from '../measure.js';
import type { FleetOptions } from '../options.js';
import type { RunResult } from '../report.js';

const CLI = join(ROOT, 'services/cli/bin/driftwatch.mjs');
const ROLES = ['differ', 'responder', 'api', 'poller'] as const;

export async function runDistributed(scope: Scope, dir: string, configPath: string, fleet: Fleet, o: FleetOptions, log: (line: string) => void, rawLimit: number | undefined): Promise<RunResult> {
  const redis = await prepareRedis(scope, o.redisUrl);
  const t0 = performance.now();
  const kafka = await startKafka(scope);
  log(`kafka ${kafka.brokers} (pid ${kafka.pid}) up in ${((performance.now() - t0) / 1000).toFixed(1)} s; redis ${o.redisUrl}`);
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: kafka.brokers, REDIS_URL: o.redisUrl, LOG_LEVEL: o.logLevel };
  delete env.DRIFTWATCH_DATA_DIR;
  const services: Service[] = [];
  const readyNotes: string[] = [];
  for (const role of ROLES) {
    const port = await freePort();
    const child = scope.spawn(role, process.execPath, [CLI, role, '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], join(dir, `${role}.log`), {
      cwd: ROOT,
      env: { ...env, DRIFTWATCH_INSTANCE_ID: `fleet-bench-${role}` },
    });
    const readyMs = await waitReady(child, port, '/readyz', o.readyTimeoutS * 1000);
    log(`${role} (pid ${child.pid}) ready on 127.0.0.1:${port} in ${(readyMs / 1000).toFixed(1)} s`);
    readyNotes.push(`${role} ${(readyMs / 1000).toFixed(1)} s`);
    services.push({ name: role, port, child });
  }
  const others = [{ name: 'fleet host', pid: fleet.host.pid }, { name: 'kafka', pid: kafka.pid }, ...(redis.pid ? [{ name: 'redis (shared)', pid: redis.pid }] : [])];
  const result = await measure({ mode: 'distributed', services, apiPort: services.find((s) => s.name === 'api')!.port, others }, fleet, o, log, rawLimit);
  result.notes.push(`ready: ${readyNotes.join(', ')}`);
  return result;
}
