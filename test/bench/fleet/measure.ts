/**
 * One measured run of a Driftwatch deployment (embedded or distributed), once every service is
 * ready (time R):
 *
 *   R ─ scrape every service's /metrics every few seconds, sample every process's CPU and RSS
 *   R + interval + 10 s ─ servers with a first baseline (GET /v1/servers); from then on each
 *                         drifting server is rug-pulled as soon as it has one (drift.ts)
 *   R + duration ─ last scrape; rates over [R + warm-up, R + duration]
 *   … up to --settle more ─ wait for the drifted servers' quarantines (GET /v1/servers)
 *
 * Change → quarantine is the responder's `quarantine.at` minus the time the server turned;
 * served → quarantine starts instead at the first poisoned tools/list the fleet host answered
 * (the pipeline without the wait for the next poll).
 */
import { percentile } from '../../hostile/stats.js';
import { listServers } from './api.js';
import { sleep, type Child } from './children.js';
import { driftWhenBaselined } from './drift.js';
import type { FleetOptions, Mode } from './options.js';
import type { ProcessResult, RunResult } from './report.js';
import { STDIO_SERVER, type Fleet } from './fleet.js';
import { addCounters, deltaCounters, machineSampler, ProcSampler, scrape, scrapeFigures, ScriptSampler, type Scrape } from './sampler.js';

export interface Service {
  name: string;
  port: number;
  child: Child;
}

export interface Deployment {
  mode: Mode;
  services: Service[];
  /** The service that answers /v1/servers. */
  apiPort: number;
  /** Processes sampled but not scraped (the fleet host, Kafka, Redis). */
  others: Array<{ name: string; pid: number }>;
}

function assertAlive(services: readonly Service[]): void {
  for (const s of services) {
    if (!s.child.alive()) throw new Error(`${s.name} exited during the run (code ${s.child.proc.exitCode}, signal ${s.child.proc.signalCode}); last lines of ${s.child.logFile}:\n${s.child.tail()}`);
  }
}

export async function measure(d: Deployment, fleet: Fleet, o: FleetOptions, log: (line: string) => void, rawLimitPerMin: number | undefined): Promise<RunResult> {
  const started = performance.now();
  const ready = Date.now();
  const notes: string[] = [];
  const machine = machineSampler();
  const samplers = [...d.services.map((s) => new ProcSampler(s.name, s.child.pid)), ...d.others.map((p) => new ProcSampler(p.name, p.pid))];
  const stdio = fleet.stdioIds.length ? new ScriptSampler('stdio servers (sampled)', STDIO_SERVER) : undefined;
  const scrapes = new Map<string, Scrape[]>(d.services.map((s) => [s.name, []]));
  const failedScrapes = new Map<string, number>();
  /** One round: every service at once; a round's counters are the sum over services. */
  const rounds: Array<{ at: number; complete: boolean; counters: ReturnType<typeof addCounters> }> = [];
  const scrapeRound = async () => {
    const got = await Promise.all(
      d.services.map(async (s) => {
        try {
          const one = await scrape(s.port, Math.max(10_000, o.scrapeEveryS * 4000));
          scrapes.get(s.name)!.push(one);
          return one;
        } catch (err) {
          failedScrapes.set(s.name, (failedScrapes.get(s.name) ?? 0) + 1);
          notes.push(`${s.name} /metrics: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
    const ok = got.filter((g) => g !== undefined);
    rounds.push({ at: Date.now(), complete: ok.length === got.length, counters: addCounters(ok.map((g) => g.counters)) });
  };

  await scrapeRound();
  let stopScraping = false;
  const scraping = (async () => {
    while (!stopScraping) {
      await sleep(o.scrapeEveryS * 1000);
      if (!stopScraping) await scrapeRound();
    }
  })();

  const endAt = ready + o.durationS * 1000;
  const waitUntil = async (at: number) => {
    while (Date.now() < at) {
      assertAlive(d.services);
      await sleep(Math.min(1000, Math.max(0, at - Date.now())));
    }
  };

  try {
    // ── first baselines, then the rug pull ─────────────────────────────────────────────────
    const baselineAfterS = o.intervalS + 10;
    await waitUntil(ready + baselineAfterS * 1000);
    const early = await listServers(d.apiPort);
    const baselines = early.filter((s) => s.baselineFingerprint !== null).length;
    log(`${baselines}/${fleet.size} servers have a first baseline ${baselineAfterS} s after ready`);
    const drifting = fleet.drifting(o.driftShare);
    // The last ones still get a poll inside the run; the settle wait sees their quarantines.
    const driftDeadline = Math.max(Date.now(), endAt - (o.intervalS + 10) * 1000);
    const drifts = driftWhenBaselined(fleet, d.apiPort, drifting, early, driftDeadline, () => assertAlive(d.services));
    drifts.catch(() => undefined);
    log(`drifting ${drifting.length} server(s) as each gets its baseline: ${drifting.slice(0, 5).join(', ')}${drifting.length > 5 ? ' …' : ''}`);

    // ── the rest of the run ────────────────────────────────────────────────────────────────
    await waitUntil(endAt);
    const { withoutBaseline } = await drifts;
    if (withoutBaseline.length) notes.push(`${withoutBaseline.length} drifting server(s) still had no baseline when they drifted (their first sight was poisoned)`);
    stopScraping = true;
    await scraping;
    await scrapeRound();
    notes.push(machine.stop());
    const processes: ProcessResult[] = samplers.map((s) => {
      const p = s.stop();
      const list = scrapes.get(p.name);
      return list ? { ...p, metrics: scrapeFigures(list, failedScrapes.get(p.name) ?? 0) } : p;
    });
    if (stdio) {
      const { processes: spawned, ...figures } = stdio.stop();
      processes.push(figures);
      notes.push(`${spawned} stdio server processes seen (their sandbox wrappers included)`);
    }

    // Rates over the steady part: from the first complete round after the warm-up to the last.
    const warmUpS = Math.min(o.intervalS, 30);
    const complete = rounds.filter((r) => r.complete);
    const from = complete.find((r) => r.at >= ready + warmUpS * 1000) ?? complete[0];
    const to = complete.at(-1);
    if (!from || !to || to.at <= from.at) throw new Error('too few complete /metrics rounds to measure a rate: lengthen --duration or shorten --scrape-every');
    if (from === complete[0] && from.at < ready + warmUpS * 1000) notes.push('no round after the warm-up: rates include the first polls');
    const windowS = (to.at - from.at) / 1000;
    const c = deltaCounters(from.counters, to.counters);
    const perMin = 60 / windowS;
    const skipped = Object.values(c.skipped).reduce((a, b) => a + b, 0);
    const processed = Object.values(c.processed).reduce((a, b) => a + b, 0);

    // ── quarantines ────────────────────────────────────────────────────────────────────────
    const settleEnd = Date.now() + o.settleS * 1000;
    let final = await listServers(d.apiPort);
    const quarantined = () => drifting.filter((id) => final.find((s) => s.id === id)?.quarantine);
    while (quarantined().length < drifting.length && Date.now() < settleEnd) {
      assertAlive(d.services);
      await sleep(2_000);
      final = await listServers(d.apiPort);
    }
    const stats = await fleet.stats();
    const changeMs: number[] = [];
    const servedMs: number[] = [];
    for (const id of drifting) {
      const at = final.find((s) => s.id === id)?.quarantine?.at;
      if (!at) continue;
      changeMs.push(Date.parse(at) - fleet.driftedAt.get(id)!);
      const served = stats.firstServed[id];
      if (served !== undefined) servedMs.push(Date.parse(at) - served);
    }
    const driftSet = new Set(drifting);
    const unexpected = final.filter((s) => s.quarantine && !driftSet.has(s.id));
    if (unexpected.length) {
      // The reason is the alert's one-line summary; the server id inside it is already named.
      const reasons = [...new Set(unexpected.map((s) => (s.quarantine?.reason ?? '?').replace(/^\[[^\]]*\]\s*/, '')))];
      notes.push(`quarantined without drifting: ${unexpected.slice(0, 5).map((s) => s.id).join(', ')}${unexpected.length > 5 ? ' …' : ''} (${reasons.slice(0, 3).join('; ')})`);
    }
    if (stats.errors) notes.push(`the fleet host failed ${stats.errors} request(s)`);
    notes.push(`fleet host loop lag p99 ${stats.lagP99Ms.toFixed(0)} ms (max ${stats.lagMaxMs.toFixed(0)} ms)`);

    return {
      mode: d.mode,
      servers: fleet.size,
      stdio: fleet.stdioIds.length,
      intervalS: o.intervalS,
      windowS,
      wallS: 0,
      targetPerMin: (fleet.size * 60) / o.intervalS,
      ...(rawLimitPerMin !== undefined ? { rawLimitPerMin } : {}),
      polls: {
        okPerMin: c.pollsOk * perMin,
        failedPerMin: c.pollsFailed * perMin,
        skippedPerMin: skipped * perMin,
        skippedByReason: c.skipped,
        errorsByCode: c.pollErrors,
        publishedPerMin: c.published * perMin,
        backlogAtEnd: to.counters.published - Object.values(to.counters.processed).reduce((a, b) => a + b, 0),
        meanPollMs: c.pollSecondsCount > 0 ? (1000 * c.pollSecondsSum) / c.pollSecondsCount : Number.NaN,
      },
      diffedPerMin: processed * perMin,
      diffedByOutcome: c.processed,
      baselines: { afterS: baselineAfterS, count: baselines, atEnd: final.filter((s) => s.baselineFingerprint !== null).length },
      quarantine: {
        drifted: drifting.length,
        quarantined: changeMs.length,
        p50Ms: percentile(changeMs, 50),
        p99Ms: percentile(changeMs, 99),
        maxMs: changeMs.length ? Math.max(...changeMs) : Number.NaN,
        servedP50Ms: percentile(servedMs, 50),
        servedP99Ms: percentile(servedMs, 99),
        unexpected: unexpected.length,
      },
      processes,
      notes,
    };
  } finally {
    stopScraping = true;
    for (const s of samplers) s.stop();
    stdio?.stop();
    log(`measured in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}
