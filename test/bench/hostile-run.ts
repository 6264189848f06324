/**
 * The hostile-server suite against an embedded `driftwatch start`, measured and printed: what
 * each behaviour ended as (and whether a fail-closed monitor would agree), the good server's poll
 * ratio, /healthz latency, peak RSS, CPU, leaked processes, secrets seen, SIGTERM time.
 * A benchmark, not a test: it prints the gaps and exits 0 (2 on a usage error, 1 if it could not run).
 *
 *   node --import tsx test/bench/hostile-run.ts [--window 70] [--sdk good|all|none] [--sandbox auto]
 *        [--only id,id] [--keep] [--json]
 *   npm run hostile
 */
import { parseArgs } from 'node:util';
import type { SdkMode } from '../hostile/config.js';
import { runHostileSuite } from '../hostile/driver.js';
import { formatFigures, formatTable } from '../hostile/report.js';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        window: { type: 'string' },
        sdk: { type: 'string' },
        sandbox: { type: 'string' },
        only: { type: 'string' },
        keep: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`hostile-run: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.sdk !== undefined && !['good', 'all', 'none'].includes(values.sdk)) {
    process.stderr.write('hostile-run: --sdk must be good, all or none\n');
    return 2;
  }
  const window = values.window === undefined ? 70 : Number(values.window);
  if (!Number.isFinite(window) || window < 10) {
    process.stderr.write('hostile-run: --window must be a number of seconds ≥ 10\n');
    return 2;
  }
  // Ctrl-C still stops driftwatch (the driver's exit hook) instead of orphaning it.
  process.once('SIGINT', () => process.exit(130));
  const result = await runHostileSuite({
    windowMs: window * 1000,
    ...(values.sdk ? { sdk: values.sdk as SdkMode } : {}),
    ...(values.sandbox ? { sandbox: values.sandbox } : {}),
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()) } : {}),
    ...(values.keep ? { keepRunDir: true } : {}),
    log: (line) => process.stderr.write(`hostile-run: ${line}\n`),
  });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`\n${formatTable(result)}\n\n${formatFigures(result)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`hostile-run: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
