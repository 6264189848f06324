/**
 * Fleet benchmark (issue "Fleet scale", part 1): N loopback MCP servers with realistic tool lists,
 * a few of them rug-pulled mid-run, polled by Driftwatch embedded (`driftwatch start`) and
 * distributed (a process per service on Kafka + Redis), and by a raw client that gives the limit
 * of the fleet and one Node process. Prints Markdown tables; a benchmark, not a test.
 *
 *   npm run bench:fleet -- --n 100,1000 --mode all --interval 30 --duration 120 [--json FILE]
 *
 * Flags (or FLEET_<FLAG> env): see options.ts / --help. Every child process, the broker, the
 * Redis keys and the temp dirs are released after each run, on Ctrl-C and on error (children.ts).
 * Exit 0 with the tables, 2 on a usage error, 1 when a run could not be done (the message says why).
 */
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { scanMarked } from '../../hostile/procs.js';
import { installCleanup, interrupted, Scope } from './children.js';
import { writeConfig } from './config.js';
import { Fleet } from './fleet.js';
import { runDistributed } from './modes/distributed.js';
import { runEmbedded } from './modes/embedded.js';
import { staleBuild } from '../../../services/cli/bin/build-state.mjs';
import { runRaw } from './modes/raw.js';
import { parseOptions, USAGE, UsageError, type FleetOptions, type Mode } from './options.js';
import { buildPool, checkPool } from './pool.js';
import { formatReport, type RunResult } from './report.js';
import type { PoolTool } from './tools.js';

const log = (line: string) => void process.stderr.write(`bench:fleet: ${line}\n`);

async function runOne(mode: Mode, size: number, o: FleetOptions, pool: readonly PoolTool[], done: readonly RunResult[]): Promise<RunResult> {
  const started = performance.now();
  const scope = new Scope(`${mode} N=${size}`);
  scope.keep = o.keep;
  const marker = `fleet${randomBytes(6).toString('hex')}`;
  let result: RunResult;
  try {
    const dir = scope.tempDir('driftwatch-fleet-');
    const stdio = Math.min(o.stdio(size), size);
    const fleet = await Fleet.start(scope, dir, pool, size, stdio);
    log(`${mode} N=${size}: fleet host (pid ${fleet.host.pid}) on 127.0.0.1:${fleet.port}: ${fleet.httpIds.length} HTTP + ${stdio} stdio servers; run dir ${dir}`);
    if (mode === 'raw') {
      result = await runRaw(scope, dir, fleet, o, o.durationS, log);
    } else {
      // The raw limit for the ratios: this size's raw run if there was one, else a short calibration.
      let rawLimit = done.find((r) => r.mode === 'raw' && r.servers === size)?.rawLimitPerMin;
      if (rawLimit === undefined && o.rawSeconds > 0 && fleet.httpIds.length > 0) rawLimit = (await runRaw(scope, dir, fleet, o, o.rawSeconds, log)).rawLimitPerMin;
      const config = writeConfig(dir, fleet, {
        intervalS: o.intervalS,
        runMarker: marker,
        keepConnected: o.keepConnected,
        ...(o.analysisThreads !== undefined ? { analysisThreads: o.analysisThreads } : {}),
      });
      const run = mode === 'embedded' ? runEmbedded : runDistributed;
      result = await run(scope, dir, config, fleet, o, log, rawLimit);
    }
  } finally {
    await scope.close();
  }
  // Every service stopped: a process still carrying the run's marker outlived its poll.
  const leftovers = scanMarked(marker, new Set([process.pid]));
  if (leftovers.length) {
    for (const p of leftovers) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    result.notes.push(`${leftovers.length} stdio server process(es) outlived Driftwatch and were killed: ${leftovers.slice(0, 3).map((p) => p.command).join('; ')}`);
  }
  result.wallS = (performance.now() - started) / 1000;
  log(`${mode} N=${size} done in ${result.wallS.toFixed(0)} s`);
  return result;
}

async function main(): Promise<number> {
  let o: FleetOptions | undefined;
  try {
    o = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench:fleet: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!o) {
    process.stdout.write(USAGE);
    return 0;
  }
  installCleanup(log);
  const pool = buildPool();
  log(`tool pool: ${pool.length} benign corpus tools (the rules raise nothing on them)`);
  // Figures from the sources (tsx in every thread) and from the build differ: say which ran.
  const stale = process.env.DRIFTWATCH_FROM_SOURCE === '1' ? 'DRIFTWATCH_FROM_SOURCE=1' : staleBuild();
  log(stale === undefined ? 'services run the compiled build (services/cli/dist)' : `services run from the TypeScript sources (${stale}; \`npm run build\` compiles them)`);
  const runs: RunResult[] = [];
  let failure: Error | undefined;
  outer: for (const size of o.sizes) {
    checkPool(pool, size, 'high');
    for (const mode of o.modes) {
      try {
        runs.push(await runOne(mode, size, o, pool, runs));
      } catch (err) {
        failure = err as Error;
        break outer;
      }
    }
  }
  // Ctrl-C: the signal handler is closing everything and exits when done; nothing to report.
  if (interrupted()) return new Promise<number>(() => undefined);
  if (runs.length) process.stdout.write(`\n${formatReport(runs)}`);
  if (o.json) {
    writeFileSync(o.json, `${JSON.stringify({ options: { ...o, stdio: o.sizes.map((n) => o.stdio(n)) }, runs, ...(failure ? { failure: failure.message } : {}) }, null, 2)}\n`);
    log(`figures written to ${o.json}`);
  }
  if (failure) {
    log(`FAILED: ${failure.message}${o.keep ? '' : '\n(the run directory is gone: --keep keeps it, with every service log)'}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (interrupted()) return;
    log(`FAILED: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
