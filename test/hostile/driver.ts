/**
 * Runs the hostile-server suite against an embedded `driftwatch start` and measures it:
 *
 *   fleet up (HTTP host, egress listener) → config (offered fields dropped if unknown, SSRF rows
 *   refused at load recorded) → driftwatch up → samplers on (/healthz, RSS, CPU, leaked
 *   processes) → each rug swapped once its first baseline exists → window ends → state read
 *   from the API, the good server's polls from its own log → SIGTERM → leftovers after exit →
 *   clean-up.
 *
 * It asserts nothing: it returns what happened (see results.ts) and leaves judging to the caller
 * (test/bench/hostile-run.ts prints it; a CI test can assert on it).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BEHAVIOURS, type Behaviour } from './behaviours.js';
import { scanDir, findCanary, makeCanary } from './canary.js';
import { canaryEnv, runPaths, type EntryContext, type SdkMode } from './config.js';
import { ConfigPlan } from './plan.js';
import { pollLogFigures, readPollLog } from './poll-log.js';
import { fetchText, getJson, freePort, startDriftwatch, stopDriftwatch, waitReady, type Driftwatch } from './driftwatch.js';
import { startEgressListener, startHttpHost } from './fleet.js';
import { clockTicksPerSecond, isAlive, scanMarked } from './procs.js';
import { behaviourResult, summarizeAlerts, type AlertSummary, type Check, type HostileRunResult } from './results.js';
import { startGoodControl, startHealthzProcess } from './reporter-process.js';
import { readCpu, readCpuPressureMicros, readMachineCpu, sampleMemory, watchLeaks } from './samplers.js';
import { parseProm, promSum } from './stats.js';

export { BEHAVIOURS, hostileBehaviours, type Behaviour, type Outcome } from './behaviours.js';
export type { BehaviourResult, HostileRunResult } from './results.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE_DIR = join(ROOT, 'test', 'fixtures', 'hostile');
/** The probe's cleanup bound (~0.9 s) plus slack for a loaded machine. */
const LEAK_SLACK_SECONDS = 3;
const MIB = 1024 * 1024;
/** Longest the end-of-window API reads may take together. */
const COLLECT_BUDGET_MS = 60_000;
/** The API's largest page of alerts. */
const ALERT_PAGE = 1000;

export interface HostileRunOptions {
  /** Measurement window from driftwatch's first /healthz answer (default 70 s: a run takes ~95 s). */
  windowMs?: number;
  /** Rugs still without a baseline after this are swapped anyway, with a note (default 40 s). */
  baselineDeadlineMs?: number;
  /** Defaults for rows that set none: seconds between polls (20) and per-probe budget (4). */
  interval?: number;
  timeout?: number;
  /** Which stdio fixtures run on the official SDK (default 'good'; see EntryContext.sdk). */
  sdk?: SdkMode;
  /** Offer `sandbox: <value>` on every stdio entry (issue 6). */
  sandbox?: string;
  /** Only these behaviour ids (the controls always run). */
  only?: readonly string[];
  /**
   * Rows whose URL leaves 127.0.0.1 (the metadata address): 'if-refused' (default) runs them only
   * when the product's own config loader refuses them, so no probe ever leaves the host.
   */
  offHost?: 'if-refused' | 'never';
  /**
   * Where run directories go (default <repo>/.driftwatch/hostile-runs, git-ignored). Not /tmp:
   * a sandbox gives each server a private /tmp, and the fixtures must still read their swap files.
   */
  baseDir?: string;
  keepRunDir?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

interface ApiServer {
  id: string;
  status: string;
  lastPollAt: string | null;
  baselineFingerprint: string | null;
  lastError: { code: string; reason: string } | null;
  quarantine: { at: string } | null;
}

/** The end of a dead driftwatch's stderr and its last error-level log line: why it died. */
function lastWords(dw: Driftwatch): string {
  const stderr = dw.stderr().trim();
  const lines = readFileSync(dw.stdoutFile, 'utf8').split('\n').filter(Boolean);
  const errors = lines.filter((l) => /"level":(50|60)/.test(l));
  const lastError = errors[errors.length - 1];
  return [
    stderr ? `stderr: …${stderr.slice(-1500)}` : 'no stderr',
    lastError ? `last error log: ${lastError.slice(0, 1500)}` : 'no error log',
    `last log lines: ${lines.slice(-3).map((l) => l.slice(0, 500)).join(' ⏎ ')}`,
  ].join(' | ');
}

/** Identical notes once, with a count: a stalled API should not print the same line fifty times. */
function dedupe(notes: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const n of notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} (×${c})` : n));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runHostileSuite(options: HostileRunOptions = {}): Promise<HostileRunResult> {
  const log = options.log ?? (() => undefined);
  const windowMs = options.windowMs ?? 70_000;
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const runId = `hr${randomBytes(6).toString('hex')}`;
  // Not under /tmp: a sandboxed fixture gets a private /tmp and would not see its swap file.
  // The run id must not appear in the name either: driftwatch's argv holds that path.
  const base = options.baseDir ?? join(ROOT, '.driftwatch', 'hostile-runs');
  mkdirSync(base, { recursive: true });
  const runDir = mkdtempSync(join(base, 'run-'));
  // mkdtemp makes it 0700; a sandboxed server runs as nobody when driftwatch is root and must be
  // able to reach its cwd and swap file in here.
  chmodSync(runDir, 0o755);
  const paths = runPaths(runDir, FIXTURE_DIR);
  const canary = makeCanary();
  const notes: string[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  let dw: Driftwatch | undefined;
  const stopOnExit = () => {
    if (dw && dw.child.exitCode === null && dw.child.signalCode === null) dw.child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);

  let result: HostileRunResult;
  try {
    const egress = await startEgressListener();
    cleanups.push(() => egress.close());
    const host = await startHttpHost(FIXTURE_DIR, paths.swapDir);
    cleanups.push(() => host.stop());
    log(`run ${runId} in ${runDir}; HTTP host on 127.0.0.1:${host.ports.port} (+${host.ports.otherPort})`);

    const only = options.only ? new Set(options.only) : undefined;
    const rows = BEHAVIOURS.filter((b) => b.group === 'control' || !only || only.has(b.id));
    const ctx: EntryContext = {
      runId,
      ports: host.ports,
      egressPort: egress.port,
      paths,
      canary,
      sdk: options.sdk ?? 'good',
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      interval: options.interval ?? 20,
      timeout: options.timeout ?? 4,
    };

    // ── config ────────────────────────────────────────────────────────────────────────────────
    const plan = new ConfigPlan(rows, ctx, options.offHost ?? 'if-refused');
    // The loader sees the environment driftwatch will get (the canaries' ${VAR} values).
    const loaderRounds = plan.settleWithLoader({ ...process.env, ...canaryEnv(canary) });
    const configFile = join(runDir, 'driftwatch.json');
    const dataDir = join(runDir, 'data');
    let attempts = 0;
    for (;;) {
      attempts++;
      writeFileSync(configFile, JSON.stringify(plan.document(), null, 2));
      dw = startDriftwatch(ROOT, runDir, configFile, dataDir, await freePort(), attempts, canaryEnv(canary));
      if ((await waitReady(dw, 60_000)) === 'ready') break;
      const end = await dw.exited;
      // The CLI may refuse more than its loader (checks at start): same handling, slower loop.
      if (end.code !== 2 || attempts >= 5) throw new Error(`driftwatch exited with ${end.code} at start:\n${dw.stderr().slice(0, 4000)}`);
      const r = plan.apply(dw.stderr(), 'driftwatch CLI');
      log(`start ${attempts} refused: dropped keys [${r.dropped.join(', ')}], refused rows [${r.refused.join(', ')}]`);
    }
    const { active, entries, refused, notRun, droppedKeys } = plan;
    if (droppedKeys.length) notes.push(`the product does not know ${droppedKeys.map((k) => `"${k}"`).join(', ')}: dropped from every entry`);
    if (loaderRounds) log(`config settled with the product's loader in ${loaderRounds} round(s)`);
    const running = dw;
    log(`driftwatch ${running.pid} ready on 127.0.0.1:${running.port} with ${active.length} servers (config attempt ${attempts})`);

    // ── measure ───────────────────────────────────────────────────────────────────────────────
    const ready = performance.now();
    // The same instant on the wall clock: the good server's poll log and the API's times use it.
    const readyWall = Date.now();
    const byId = new Map(active.map((b) => [b.id, b]));
    const maxTimeout = Math.max(...active.map((b) => Number(entries.get(b.id)?.timeout ?? ctx.timeout)));
    const budget = (behaviour: string) => Number(entries.get(behaviour)?.timeout ?? maxTimeout) + 1 + LEAK_SLACK_SECONDS;
    const exclude = new Set([process.pid, running.pid, host.pid]);
    const leaks = watchLeaks(runId, () => exclude, budget);
    const healthz = await startHealthzProcess(running.port);
    const goodEntry = byId.has('good') ? entries.get('good') : undefined;
    // The control logs the answers it gets to a file of its own: the good server's log counts driftwatch's polls only.
    const goodControl = goodEntry
      ? await startGoodControl({ ...goodEntry, env: { ...(goodEntry.env as Record<string, string>), HOSTILE_POLL_LOG: paths.goodControlPollLog } })
      : undefined;
    // Its command line carries the entry, and so the run's marker: it is no server of the run.
    if (goodControl) exclude.add(goodControl.pid);
    const memory = sampleMemory(running.pid);
    const cpu0 = readCpu(running.pid);
    const host0 = readCpu(host.pid);
    const driver0 = process.cpuUsage();
    const machine0 = readMachineCpu();
    const pressure0 = readCpuPressureMicros();
    const alive = () => running.child.exitCode === null && running.child.signalCode === null;
    // Reads of a stalled API wait long (fetchText), but all of them together no longer than this.
    let apiDeadline = Infinity;
    const api = async (path: string): Promise<string | undefined> => {
      if (!alive()) return undefined;
      const left = apiDeadline - performance.now();
      if (left <= 0) {
        notes.push('API reads skipped: the collection budget was spent on a stalled driftwatch');
        return undefined;
      }
      try {
        return await fetchText(running.port, path, 2, Math.min(20_000, left));
      } catch (err) {
        notes.push(`${(err as Error).message} (driftwatch unresponsive?)`);
        return undefined;
      }
    };

    const rugs = active.filter((b) => b.rug);
    /** Wall-clock ms of each swap, comparable with the API's `quarantine.at`. */
    const swappedAt = new Map<string, number>();
    const swapDeadline = ready + (options.baselineDeadlineMs ?? 40_000);
    while (performance.now() - ready < windowMs) {
      if (!alive()) {
        notes.push(`driftwatch died ${Math.round((performance.now() - ready) / 1000)} s into the window (code ${running.child.exitCode}, signal ${running.child.signalCode}): ${lastWords(running)}`);
        break;
      }
      let servers: ApiServer[] = [];
      try {
        // Bounded by what is left of the window, so a stalled API cannot stretch it.
        const left = windowMs - (performance.now() - ready);
        servers = (await getJson<{ servers: ApiServer[] }>(running.port, '/v1/servers', Math.max(1000, Math.min(10_000, left)))).servers;
      } catch (err) {
        notes.push(`GET /v1/servers failed during the window: ${(err as Error).message}`);
      }
      const now = performance.now();
      for (const s of servers) {
        const b = byId.get(s.id);
        if (!b?.rug) continue;
        if (!swappedAt.has(b.id) && (s.baselineFingerprint !== null || now > swapDeadline)) {
          if (s.baselineFingerprint === null) notes.push(`${b.id}: no baseline after ${Math.round((now - ready) / 1000)} s; swapped anyway`);
          if (s.status === 'quarantined') notes.push(`${b.id}: already quarantined before its swap`);
          writeFileSync(join(paths.swapDir, b.transport === 'http' ? 'rug' : b.id), String(Date.now()));
          swappedAt.set(b.id, Date.now());
        }
      }
      await sleep(500);
    }
    const windowEnd = performance.now();
    const windowEndWall = Date.now();
    if (rugs.some((b) => !swappedAt.has(b.id))) notes.push(`window ended before every rug was swapped: ${rugs.filter((b) => !swappedAt.has(b.id)).map((b) => b.id).join(', ')}`);

    // ── collect ───────────────────────────────────────────────────────────────────────────────
    apiDeadline = performance.now() + COLLECT_BUDGET_MS;
    const { driftwatch: health, control: healthControl } = await healthz.stop();
    const goodControlFigures = await goodControl?.stop();
    const cpu1 = readCpu(running.pid);
    const host1 = readCpu(host.pid);
    const driver1 = process.cpuUsage(driver0);
    const machine1 = readMachineCpu();
    const pressure1 = readCpuPressureMicros();
    const mem = memory.stop();
    const metricsText = (await api('/metrics')) ?? '';
    const metrics = parseProm(metricsText);
    const serversBody = (await api('/v1/servers')) ?? '{"servers":[]}';
    const serversReadAt = Date.now();
    const servers = new Map((JSON.parse(serversBody) as { servers: ApiServer[] }).servers.map((s) => [s.id, s]));
    const alerts = new Map<string, AlertSummary[]>();
    const apiCanary: Record<string, string[]> = {};
    const noteCanary = (place: string, text: string | undefined) => {
      const hits = findCanary(text ?? '', canary);
      if (hits.length) apiCanary[place] = hits;
    };
    noteCanary('GET /metrics', metricsText);
    noteCanary('GET /v1/servers', serversBody);
    type ApiAlert = { serverId: string; kind: string; severity: string; status: string; time: string };
    /** The good server's alerts in full (their times): its failure episodes in the window. */
    let goodAlerts: ApiAlert[] | undefined;
    const allBody = await api(`/v1/alerts?limit=${ALERT_PAGE}`);
    noteCanary('GET /v1/alerts', allBody);
    const all = allBody === undefined ? undefined : (JSON.parse(allBody) as { alerts: ApiAlert[] }).alerts;
    for (const b of active) {
      let rowAlerts: ApiAlert[] | undefined;
      if (all !== undefined && all.length < ALERT_PAGE) {
        rowAlerts = all.filter((a) => a.serverId === b.id);
      } else {
        // Truncated (or unread): ask per server.
        const path = `/v1/alerts?serverId=${encodeURIComponent(b.id)}&limit=${ALERT_PAGE}`;
        const body = await api(path);
        if (body !== undefined) rowAlerts = (JSON.parse(body) as { alerts: ApiAlert[] }).alerts;
        noteCanary(`GET ${path}`, body);
      }
      if (rowAlerts !== undefined) alerts.set(b.id, summarizeAlerts(rowAlerts));
      if (b.id === 'good') goodAlerts = rowAlerts;
      if (b.group === 'secret') noteCanary(`GET /v1/servers/${b.id}`, await api(`/v1/servers/${encodeURIComponent(b.id)}`));
    }
    // The good server's polls, from its own log (driftwatch's poll metrics have no server label).
    // Read now, seconds after the window: every answer sent inside it is in the file. A session
    // counts as unanswered only if it started at least its timeout (+1 s) before this read.
    const goodLogReadAt = Date.now();
    const goodTimeoutMs = Number(entries.get('good')?.timeout ?? ctx.timeout) * 1000;
    const goodLog = pollLogFigures(readPollLog(paths.goodPollLog), readyWall, windowEndWall, goodLogReadAt - goodTimeoutMs - 1000, goodTimeoutMs);
    const goodControlAnswered = readPollLog(paths.goodControlPollLog).filter((l) => l.event === 'list').length;
    if (byId.has('good') && goodLog.sessions === 0) {
      notes.push(`the good server's poll log (${paths.goodPollLog}) has no session in the window: its fixture could not write it (a sandbox without writableCwd?) or driftwatch never started it`);
    }
    const inWindow = (iso: string) => {
      const t = Date.parse(iso);
      return t >= readyWall && t <= windowEndWall;
    };
    const goodFailureAlerts = (goodAlerts ?? []).filter((a) => (a.kind === 'server.unreachable' || a.kind === 'server.unverifiable') && inWindow(a.time)).length;
    if (byId.has('good') && goodAlerts === undefined) notes.push("the good server's alerts could not be read: its failure alerts count as 0");

    // Before the stop: what is alive after SIGTERM is counted apart, as left after exit.
    const leakFigures = leaks.stop();

    // ── stop ──────────────────────────────────────────────────────────────────────────────────
    let shutdown: HostileRunResult['shutdown'];
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      shutdown = { crashed: true, code: running.child.exitCode, signal: running.child.signalCode };
      if (!notes.some((n) => n.startsWith('driftwatch died'))) notes.push(`driftwatch was no longer running at the end of the window: ${lastWords(running)}`);
    } else {
      shutdown = await stopDriftwatch(running);
    }
    await sleep(1000);
    const left = scanMarked(runId, exclude);
    const grandchildPids = existsSync(paths.pidFile) ? readFileSync(paths.pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    const grandchildrenAlive = grandchildPids.filter((pid) => isAlive(pid)).length;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (left.length) notes.push(`killed ${left.length} fixture process(es) left after driftwatch exited`);

    const outsideWrites = existsSync(paths.outsideFile) ? readFileSync(paths.outsideFile, 'utf8').split('\n').filter(Boolean).length : 0;
    const canaryHits: Record<string, string[]> = { ...apiCanary };
    for (const file of [running.stdoutFile, running.stderrFile]) {
      const hits = findCanary(readFileSync(file, 'latin1'), canary);
      if (hits.length) canaryHits[`log ${file.slice(runDir.length + 1)}`] = hits;
    }
    for (const [file, hits] of Object.entries(scanDir(dataDir, canary))) canaryHits[`data dir ${file}`] = hits;

    // ── assemble ──────────────────────────────────────────────────────────────────────────────
    const egressFrom = (id: string) => egress.arrivals.filter((a) => a.hello.startsWith(`${id} `)).length;
    const rowChecks = (b: Behaviour): Check[] => {
      const checks: Check[] = [];
      if (b.rug) checks.push({ name: 'swapped after its baseline', pass: swappedAt.has(b.id) && !notes.some((n) => n.startsWith(`${b.id}: no baseline`)) });
      if (b.id === 'network-egress') checks.push({ name: 'no egress', pass: egressFrom(b.id) === 0, detail: `${egressFrom(b.id)} connection(s) arrived` });
      if (b.id === 'write-outside-cwd') checks.push({ name: 'nothing written outside cwd', pass: outsideWrites === 0, detail: `${outsideWrites} write(s)` });
      if (b.id === 'fork-detached') checks.push({ name: 'grandchildren gone after exit', pass: grandchildrenAlive === 0, detail: `${grandchildPids.length} started, ${grandchildrenAlive} alive after exit` });
      return checks;
    };
    const behaviours = rows.map((b) => {
      const sw = swappedAt.get(b.id);
      const qAt = servers.get(b.id)?.quarantine?.at;
      const q = qAt === undefined ? undefined : Date.parse(qAt);
      return behaviourResult(b, {
        ...(servers.get(b.id) ? { server: servers.get(b.id)! } : {}),
        alerts: alerts.get(b.id) ?? [],
        readAt: serversReadAt,
        ...(refused.has(b.id) ? { refused: refused.get(b.id)! } : {}),
        ...(notRun.has(b.id) ? { notRun: notRun.get(b.id)! } : {}),
        leaks: leakFigures.leaked,
        checks: refused.has(b.id) || notRun.has(b.id) ? [] : rowChecks(b),
        notes: [],
        ...(sw !== undefined && q !== undefined && q >= sw ? { swapToQuarantineMs: q - sw } : {}),
      });
    });

    const windowSeconds = (windowEnd - ready) / 1000;
    const goodInterval = Number(entries.get('good')?.interval ?? 2);
    // Slot starts inside the window. Polls are counted when the server sends its answer: the
    // poll of the slot open at the start may be answered inside the window and the last slot's
    // after it, which evens out.
    const scheduled = Math.floor(windowSeconds / goodInterval);
    const cores = cpus().length;
    const hz = clockTicksPerSecond();
    const dwCpu = cpu1 && cpu0 ? cpu1.self - cpu0.self : Number.NaN;
    const serversCpu = cpu1 && cpu0 ? cpu1.children - cpu0.children : Number.NaN;
    const hostCpu = host1 && host0 ? host1.self - host0.self : Number.NaN;
    const driverCpu = (driver1.user + driver1.system) / 1e6;
    result = {
      runId,
      runDir,
      startedAt,
      totalMs: 0, // the clean-up below is part of the run's cost
      windowMs: Math.round(windowEnd - ready),
      configAttempts: attempts,
      loaderRounds,
      droppedKeys,
      behaviours,
      good: {
        intervalSeconds: goodInterval,
        scheduled,
        ok: goodLog.answered,
        ratio: scheduled ? goodLog.answered / scheduled : Number.NaN,
        sessions: goodLog.sessions,
        unanswered: goodLog.unanswered,
        late: goodLog.late,
        failureAlerts: goodFailureAlerts,
        lastError: servers.get('good')?.lastError ?? null,
      },
      ...(goodControlFigures ? { goodControl: { ...goodControlFigures, answered: goodControlAnswered } } : {}),
      goodDurations: goodLog.durations,
      fleetPolls: {
        ok: promSum(metrics, 'driftwatch_polls_total', { outcome: 'ok' }),
        failure: promSum(metrics, 'driftwatch_polls_total', { outcome: 'failure' }),
      },
      skippedPolls: Object.fromEntries(
        metrics.filter((m) => m.name === 'driftwatch_polls_skipped_total').map((m) => [m.labels.reason ?? '?', m.value]),
      ),
      healthz: health,
      healthzControl: healthControl,
      memory: { peakRssMiB: mem.peakRss / MIB, lastRssMiB: mem.lastRss / MIB },
      cpu: {
        driftwatchSeconds: dwCpu,
        serversSeconds: serversCpu,
        windowSeconds,
        driftwatchPercentOfOneCore: (100 * dwCpu) / windowSeconds,
        machineBusyPercent: (100 * (machine1.busy - machine0.busy)) / Math.max(1, machine1.total - machine0.total),
        // Everything else the machine ran meanwhile (other jobs, orphans nobody reaped).
        httpHostSeconds: hostCpu,
        driverSeconds: driverCpu,
        otherSeconds: (machine1.busy - machine0.busy) / hz - dwCpu - serversCpu - hostCpu - driverCpu,
        cpuPressurePercent: pressure0 !== undefined && pressure1 !== undefined ? (100 * (pressure1 - pressure0)) / 1e6 / windowSeconds : Number.NaN,
        cores,
      },
      processes: {
        leakedDuringRun: leakFigures.leaked,
        leftAfterExit: left.map((p) => ({ pid: p.pid, behaviour: p.behaviour, command: p.command })),
        maxAliveAtOnce: leakFigures.maxAlive,
      },
      egress: egress.arrivals.map((a) => ({ hello: a.hello })),
      outsideWrites,
      grandchildren: { recorded: grandchildPids.length, aliveAfterExit: grandchildrenAlive },
      canary: canaryHits,
      shutdown,
      notes: dedupe(notes),
    };
  } finally {
    if (dw && dw.child.exitCode === null && dw.child.signalCode === null) await stopDriftwatch(dw).catch(() => undefined);
    // On the error path nobody else will: our fixtures' processes go with the run.
    for (const p of scanMarked(runId, new Set([process.pid]))) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    process.removeListener('exit', stopOnExit);
    // A dead driftwatch leaves its logs and data dir for whoever debugs it.
    const died = dw !== undefined && dw.child.exitCode !== null && dw.child.exitCode !== 0 && dw.child.exitCode !== 2;
    if (died) log(`driftwatch died: run dir kept at ${runDir}`);
    if (!options.keepRunDir && !died) rmSync(runDir, { recursive: true, force: true });
  }
  result.totalMs = Math.round(performance.now() - t0);
  log(`done in ${Math.round(result.totalMs / 1000)} s`);
  return result;
}
