/**
 * The good server's polls counted from the server's side (test/fixtures/hostile/lib/poll-log.mjs).
 * driftwatch's poll metrics have no per-server label any more (packages/runtime/src/metrics.ts),
 * so `driftwatch_polls_total{server="good"}` cannot say how often the good server was polled; the
 * fixture appends a line for each session it starts and each complete tools/list it answers, and
 * this reads those lines back within the measurement window.
 */
import { existsSync, readFileSync } from 'node:fs';
import { summarize, type LatencySummary } from './stats.js';

export interface PollLogLine {
  /** `start`: the process began serving; `list`: a complete tools/list answer went out. */
  event: 'start' | 'list';
  /** Random per process: one stdio process serves one poll. */
  session: string;
  /** Wall-clock ms of the event. */
  at: number;
  /** Wall-clock ms at which the process started (performance.timeOrigin). */
  origin: number;
}

/** Lines of a poll log; anything that is not a whole line of the fixture's shape is skipped. */
export function parsePollLog(text: string): PollLogLine[] {
  const out: PollLogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const o = v as { e?: unknown; s?: unknown; t?: unknown; origin?: unknown };
    if ((o.e !== 'start' && o.e !== 'list') || typeof o.s !== 'string' || typeof o.t !== 'number' || typeof o.origin !== 'number') continue;
    out.push({ event: o.e, session: o.s, at: o.t, origin: o.origin });
  }
  return out;
}

export function readPollLog(file: string): PollLogLine[] {
  return existsSync(file) ? parsePollLog(readFileSync(file, 'utf8')) : [];
}

/** The bucket bounds of driftwatch_poll_duration_seconds, so the figures read the same way. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60] as const;

export interface PollLogFigures {
  /**
   * Complete tools/list answers sent inside [from, to] within the client's timeout: the polls the
   * server served. An answer sent more than `timeoutMs` after the process started is not in it
   * (see `late`).
   */
  answered: number;
  /**
   * Answers sent inside [from, to] more than `timeoutMs` after the process started. The client's
   * deadline starts before it spawns the process, so it had passed: such a poll failed as a
   * timeout whatever the server sent afterwards. (An answer a little under the timeout may have
   * missed it too, by the spawn's own time: that case is not told apart here.)
   */
  late: number;
  /** Sessions (processes) that started serving inside [from, to]. */
  sessions: number;
  /**
   * Sessions started inside [from, settledBy] that never sent a complete answer: the client gave
   * up or killed the server first. Sessions started after `settledBy` may still be answering, so
   * they are left out. A lower bound on failed polls: a poll that failed before the fixture ran
   * its first line (spawn, sandbox) or after its answer left (the client's own checks) is not in it.
   */
  unanswered: number;
  /**
   * Per answer inside [from, to] (late ones included), seconds from the process's start to the answer sent: the
   * server-side length of a poll (node start-up, SDK load, initialize, tools/list). It misses what
   * the client spends before the process starts (spawn, sandbox set-up) and after the answer.
   */
  durations: LatencySummary & { buckets: Record<string, number> };
}

/**
 * The figures of one log within a window of wall-clock ms; `settledBy`: sessions started later may
 * still be answering; `timeoutMs`: the client's per-poll budget.
 */
export function pollLogFigures(lines: readonly PollLogLine[], from: number, to: number, settledBy: number = to, timeoutMs = Infinity): PollLogFigures {
  const inWindow = (l: PollLogLine, end: number) => l.at >= from && l.at <= end;
  const answeredSessions = new Set(lines.filter((l) => l.event === 'list').map((l) => l.session));
  const answers = lines.filter((l) => l.event === 'list' && inWindow(l, to));
  const late = answers.filter((l) => l.at - l.origin > timeoutMs).length;
  const seconds = answers.map((l) => (l.at - l.origin) / 1000);
  const buckets: Record<string, number> = {};
  for (const le of DURATION_BUCKETS) buckets[String(le)] = seconds.filter((s) => s <= le).length;
  buckets['+Inf'] = seconds.length;
  return {
    answered: answers.length - late,
    late,
    sessions: lines.filter((l) => l.event === 'start' && inWindow(l, to)).length,
    unanswered: lines.filter((l) => l.event === 'start' && inWindow(l, Math.min(to, settledBy)) && !answeredSessions.has(l.session)).length,
    durations: { ...summarize(seconds), buckets },
  };
}
