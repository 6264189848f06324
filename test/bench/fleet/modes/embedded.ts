/**
 * Embedded mode: `driftwatch start` as a user runs it (the CLI's bin, every service in one
 * process, in-process bus, SQLite in a data dir), with the fleet as its catalog.
 */
import { join } from 'node:path';
import { ROOT } from '../../../e2e/helpers.js';
import { waitReady, type Scope } from '../children.js';
import type { Fleet } from '../fleet.js';
import { measure } from '../measure.js';
import { serviceNodeArgs, type FleetOptions } from '../options.js';
import type { RunResult } from '../report.js';
import { freePort } from '../../../chaos/wait.js';

const CLI = join(ROOT, 'services/cli/bin/driftwatch.mjs');

export async function runEmbedded(scope: Scope, dir: string, configPath: string, fleet: Fleet, o: FleetOptions, log: (line: string) => void, rawLimit: number | undefined): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: o.logLevel };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  delete env.DRIFTWATCH_DATA_DIR;
  const port = await freePort();
  const child = scope.spawn('driftwatch start', process.execPath, [...serviceNodeArgs(), CLI, 'start', '--config', configPath, '--data-dir', join(dir, 'data'), '--port', String(port)], join(dir, 'driftwatch.log'), { cwd: ROOT, env });
  const readyMs = await waitReady(child, port, '/readyz', o.readyTimeoutS * 1000);
  log(`driftwatch start (pid ${child.pid}) ready on 127.0.0.1:${port} in ${(readyMs / 1000).toFixed(1)} s`);
  const result = await measure(
    { mode: 'embedded', services: [{ name: 'driftwatch start', port, child }], apiPort: port, others: [{ name: 'fleet host', pid: fleet.host.pid }] },
    fleet,
    o,
    log,
    rawLimit,
  );
  result.notes.push(`ready in ${(readyMs / 1000).toFixed(1)} s`);
  return result;
}
