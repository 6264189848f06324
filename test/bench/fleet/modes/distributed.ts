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
import { serviceNodeArgs, type FleetOptions } from '../options.js';
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
  // Pollers and differs scale out (`--replicas`): the same consumer group and lease store, so
  // Kafka's partitions and the slot leases share the fleet between them.
  const instances = ROLES.flatMap((role) => {
    const count = role === 'poller' || role === 'differ' ? o.replicas : 1;
    return Array.from({ length: count }, (_, i) => ({ role, name: i === 0 ? role : `${role}-${i + 1}` }));
  });
  for (const { role, name } of instances) {
    const port = await freePort();
    const child = scope.spawn(name, process.execPath, [...serviceNodeArgs(), CLI, role, '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], join(dir, `${name}.log`), {
      cwd: ROOT,
      env: { ...env, DRIFTWATCH_INSTANCE_ID: `fleet-bench-${name}` },
    });
    const readyMs = await waitReady(child, port, '/readyz', o.readyTimeoutS * 1000);
    log(`${name} (pid ${child.pid}) ready on 127.0.0.1:${port} in ${(readyMs / 1000).toFixed(1)} s`);
    readyNotes.push(`${name} ${(readyMs / 1000).toFixed(1)} s`);
    services.push({ name, port, child });
  }
  const others = [{ name: 'fleet host', pid: fleet.host.pid }, { name: 'kafka', pid: kafka.pid }, ...(redis.pid ? [{ name: 'redis (shared)', pid: redis.pid }] : [])];
  const result = await measure({ mode: 'distributed', services, apiPort: services.find((s) => s.name === 'api')!.port, others }, fleet, o, log, rawLimit);
  result.notes.push(`ready: ${readyNotes.join(', ')}`);
  return result;
}
