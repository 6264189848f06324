/** The hostile run as text: the behaviour table and the figures (for the bench and the CI test). */
import { alertLabel } from './results.js';
import type { BehaviourResult, HostileRunResult } from './driver.js';

function cut(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function pad(text: string, width: number): string {
  return cut(text, width).padEnd(width);
}

function reasonOf(r: BehaviourResult): string {
  if (r.outcome === 'refused' || r.outcome === 'not-run') return r.notes[0] ?? '';
  return r.lastError ? `${r.lastError.code}: ${r.lastError.reason}` : '';
}

/** 'ok' when a row ended as expected and passed its checks, 'GAP' when not, '–' when it did not run. */
export function verdict(r: BehaviourResult): string {
  const failed = r.checks.filter((c) => !c.pass);
  if (r.meets === undefined) return '–';
  return r.meets && failed.length === 0 ? 'ok' : 'GAP';
}

export function formatTable(result: HostileRunResult): string {
  const lines: string[] = [];
  // "last poll": seconds between the API's lastPollAt and its read after the window (per-row poll
  // counts are gone with the server label of driftwatch's poll metrics).
  const head = `${pad('behaviour', 26)} ${pad('expected', 24)} ${pad('got', 12)} ${pad('', 4)} ${pad('last poll', 9)} ${pad('reason', 58)} alerts`;
  lines.push(head, '-'.repeat(head.length + 20));
  let group = '';
  for (const r of result.behaviours) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`[${group}]`);
    }
    const lastPoll = r.outcome === 'refused' || r.outcome === 'not-run' ? '' : r.lastPollSecondsAgo !== undefined ? `${Math.max(0, r.lastPollSecondsAgo).toFixed(0)} s ago` : r.lastPollAt === null ? 'never' : '?';
    lines.push(
      `${pad(r.id, 26)} ${pad(r.expect.join('|'), 24)} ${pad(r.outcome, 12)} ${pad(verdict(r), 4)} ${pad(lastPoll, 9)} ${pad(reasonOf(r), 58)} ${cut(alertLabel(r.alerts), 90)}`,
    );
    for (const c of r.checks.filter((x) => !x.pass)) lines.push(`${' '.repeat(27)}✗ ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
    if (r.swapToQuarantineMs !== undefined) lines.push(`${' '.repeat(27)}quarantined ${(r.swapToQuarantineMs / 1000).toFixed(1)} s after the swap`);
  }
  return lines.join('\n');
}

/** Histogram buckets in order of their bound (an object lists integer-like keys such as "1" first). */
function byBound(buckets: Record<string, number>): Array<[string, number]> {
  const bound = (le: string) => (le === '+Inf' ? Infinity : Number(le));
  return Object.entries(buckets).sort((a, b) => bound(a[0]) - bound(b[0]));
}

export function formatFigures(result: HostileRunResult): string {
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const hostile = result.behaviours.filter((b) => b.group !== 'control');
  const ran = hostile.filter((b) => b.meets !== undefined);
  const gaps = ran.filter((b) => verdict(b) === 'GAP');
  const rugs = result.behaviours.filter((b) => b.group === 'rug');
  const leakedBy = new Map<string, number>();
  for (const l of result.processes.leakedDuringRun) leakedBy.set(l.behaviour, (leakedBy.get(l.behaviour) ?? 0) + 1);
  const sd = result.shutdown;
  const lines = [
    `behaviours: ${hostile.length} hostile (+${result.behaviours.length - hostile.length} controls); ${ran.length} ran; ${gaps.length} with a gap`,
    `rug pulls quarantined: ${rugs.filter((r) => r.outcome === 'quarantined').length}/${rugs.length}`,
    `good server polls (counted by the server: complete tools/list answers in the window, within the timeout): ${result.good.ok} of ${result.good.scheduled} scheduled (every ${result.good.intervalSeconds} s) = ${f(result.good.ratio * 100, 1)} %; ${result.good.sessions} sessions started, ${result.good.unanswered} never answered, ${result.good.late} answered after the timeout; ${result.good.failureAlerts} failure alert(s) in the window; last error at the end: ${result.good.lastError ? `${result.good.lastError.code}: ${result.good.lastError.reason}` : 'none'}`,
    ...(result.goodControl ? [`good server control (the same entry, polled by the probe alone in a process of its own, same schedule and window): ${result.goodControl.ok} ok of ${result.goodControl.scheduled} = ${f(result.goodControl.ratio * 100, 1)} %; ${result.goodControl.failed} failed; the server logged ${result.goodControl.answered} answers to it`] : []),
    `good server poll durations (server-side: process start → answer sent; ${result.goodDurations.samples} polls): p50 ${f(result.goodDurations.p50, 2)} s, p99 ${f(result.goodDurations.p99, 2)} s, max ${f(result.goodDurations.max, 2)} s; cumulative: ${byBound(result.goodDurations.buckets).map(([le, n]) => `≤${le} ${n}`).join(', ')}`,
    `polls (whole fleet, since start, driftwatch_polls_total): ${result.fleetPolls.ok} ok, ${result.fleetPolls.failure} failed`,
    `polls skipped (whole fleet): ${Object.entries(result.skippedPolls).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`,
    `/healthz: p50 ${f(result.healthz.p50, 1)} ms, p99 ${f(result.healthz.p99, 1)} ms, max ${f(result.healthz.max, 1)} ms over ${result.healthz.samples} samples (${result.healthz.timeouts} timeouts, ${result.healthz.errors} errors)`,
    `control (a trivial HTTP server, same sampler, same window): p50 ${f(result.healthzControl.p50, 1)} ms, p99 ${f(result.healthzControl.p99, 1)} ms, max ${f(result.healthzControl.max, 1)} ms`,
    `driftwatch RSS: peak ${f(result.memory.peakRssMiB)} MiB, last ${f(result.memory.lastRssMiB)} MiB`,
    `CPU over ${f(result.cpu.windowSeconds)} s: driftwatch ${f(result.cpu.driftwatchSeconds, 1)} s (${f(result.cpu.driftwatchPercentOfOneCore)} % of one core), probed servers and their launchers ${f(result.cpu.serversSeconds, 1)} s, HTTP host ${f(result.cpu.httpHostSeconds, 1)} s, driver ${f(result.cpu.driverSeconds, 1)} s, rest of the machine ${f(result.cpu.otherSeconds, 1)} s; machine busy ${f(result.cpu.machineBusyPercent)} % of ${result.cpu.cores} cores, CPU pressure ${f(result.cpu.cpuPressurePercent)} %`,
    `processes that outlived their poll: ${result.processes.leakedDuringRun.length}${leakedBy.size ? ` (${[...leakedBy].map(([b, n]) => `${b} ${n}`).join(', ')})` : ''}; most fixture processes alive at once: ${result.processes.maxAliveAtOnce}`,
    `processes left after driftwatch exited: ${result.processes.leftAfterExit.length}${result.processes.leftAfterExit.length ? ` (${result.processes.leftAfterExit.map((p) => `${p.behaviour}:${p.pid}`).join(', ')})` : ''}`,
    `egress connections that arrived: ${result.egress.length}; writes outside cwd: ${result.outsideWrites}; detached grandchildren: ${result.grandchildren.recorded} started, ${result.grandchildren.aliveAfterExit} alive after exit`,
    `canary secret seen in: ${Object.keys(result.canary).length ? Object.entries(result.canary).map(([w, forms]) => `${w} [${forms.join(', ')}]`).join('; ') : 'nowhere'}`,
    'crashed' in sd
      ? `SIGTERM: driftwatch had already exited (code ${sd.code}, signal ${sd.signal})`
      : `SIGTERM: exit code ${sd.code}${sd.signal ? ` (signal ${sd.signal})` : ''} after ${sd.ms} ms${sd.forced ? ' (SIGKILL needed)' : ''}`,
    `run: ${f(result.totalMs / 1000)} s in all (window ${f(result.windowMs / 1000)} s), config attempts ${result.configAttempts}${result.droppedKeys.length ? `, dropped keys: ${result.droppedKeys.join(', ')}` : ''}`,
    ...result.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n');
}

