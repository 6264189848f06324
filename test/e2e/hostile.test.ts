/**
 * The hostile-server suite (issue 6) in CI: an embedded `driftwatch start` watches a good server
 * beside 57 misbehaving ones (test/fixtures/hostile) for 70 s, and must fail closed without
 * starving the good server, stalling its event loop, growing without bound or leaking anything.
 * It runs in a vitest project of its own, after the others: it measures latency and CPU, which
 * other tests running beside it would distort.
 */
import { describe, expect, it } from 'vitest';
import { runHostileSuite, type HostileRunResult } from '../hostile/driver.js';
import { formatFigures, formatTable, verdict } from '../hostile/report.js';

/** The bound this suite holds driftwatch's resident memory to (measured peaks: 560–610 MiB). */
const RSS_BOUND_MIB = 1024;

describe('driftwatch start against the hostile-server suite', () => {
  let result: HostileRunResult;

  it('runs the suite', async () => {
    result = await runHostileSuite({ log: (line) => process.stderr.write(`[hostile] ${line}\n`) });
    // The whole table and the figures, in the CI log: the evidence behind every assertion below.
    process.stdout.write(`\n${formatTable(result)}\n\n${formatFigures(result)}\n`);
  }, 240_000);

  it('quarantines every rug pull, and ends every behaviour the way a fail-closed monitor should', () => {
    const rugs = result.behaviours.filter((b) => b.group === 'rug');
    expect(rugs.length).toBeGreaterThanOrEqual(12);
    expect(rugs.filter((r) => r.outcome !== 'quarantined').map((r) => `${r.id}: ${r.outcome}`)).toEqual([]);
    const gaps = result.behaviours.filter((b) => verdict(b) === 'GAP').map((b) => `${b.id}: ${b.outcome} (expected ${b.expect.join('|')})`);
    expect(gaps).toEqual([]);
    expect(result.behaviours.filter((b) => b.group !== 'control').length).toBeGreaterThanOrEqual(40);
  });

  it('gives the good server at least 95 % of its scheduled polls, or as many as the machine allows', () => {
    // The control polls the same entry with the same probe, schedule and backoff from a process
    // that does nothing else: what the machine itself allows a server that costs 0.6 s of CPU to
    // start (test/hostile/good-control-process.ts). Where it reaches 95 %, so must driftwatch;
    // where the machine does not allow that, driftwatch may not fall more than 15 points (five
    // polls) behind it: what a starving scheduler does (measured: 0–6 % beside a control's 49–52 %).
    const control = result.goodControl;
    expect(control, 'the good server control did not report').toBeDefined();
    const required = control!.ratio >= 0.95 ? 0.95 : control!.ratio - 0.15;
    expect(result.good.ratio).toBeGreaterThanOrEqual(required);
  });

  it('answers /healthz within 100 ms at p99, and never times out', () => {
    expect(result.healthz.timeouts).toBe(0);
    expect(result.healthz.p99).toBeLessThanOrEqual(100);
  });

  it(`stays under ${RSS_BOUND_MIB} MiB of resident memory`, () => {
    expect(result.memory.peakRssMiB).toBeLessThan(RSS_BOUND_MIB);
  });

  it('leaves no process of a probed server behind, after a poll or after exit, and lets none escape the sandbox', () => {
    expect(result.processes.leakedDuringRun).toEqual([]);
    expect(result.processes.leftAfterExit).toEqual([]);
    expect(result.egress).toEqual([]);
    expect(result.outsideWrites).toBe(0);
    expect(result.grandchildren.aliveAfterExit).toBe(0);
  });

  it('shows the echoed secret nowhere: logs, data dir, API answers, /metrics', () => {
    expect(result.canary).toEqual({});
  });

  it('exits 0 on SIGTERM, promptly, with probes in flight', () => {
    expect('crashed' in result.shutdown).toBe(false);
    if ('crashed' in result.shutdown) return;
    expect(result.shutdown.code).toBe(0);
    expect(result.shutdown.forced).toBe(false);
    expect(result.shutdown.ms).toBeLessThan(10_000);
  });
});
