import type { IncidentAlert } from './record.js';
import type { ResolvedFlapRule } from './policy.js';

/** Time for the differ's resolve of a poll to reach the responder after the poll is recorded. */
export const OBSERVATION_SETTLE_MS = 2_000;

export interface ObservationContext {
  /** The server's poll interval (seconds). */
  pollIntervalS: number;
  /** When the server was last polled (its state), if known. */
  lastPollAt?: string;
}

export type FlapCheck = { fire: true } | { fire: false; recheckAt: number };

/**
 * Prometheus's `for`, counted in observations: an alert that needs N fires once the server has
 * been polled N-1 more times after the poll that raised it and the alert is still open (a poll
 * that no longer shows the condition resolves the alert, so "still open after a later poll"
 * means that poll saw it too). Half an interval of slack absorbs scheduling jitter.
 */
export function flapCheck(alert: Pick<IncidentAlert, 'time'>, rule: ResolvedFlapRule, obs: ObservationContext, now: Date): FlapCheck {
  if (rule.for <= 1) return { fire: true };
  const t = now.getTime();
  const intervalMs = Math.max(1, obs.pollIntervalS) * 1000;
  const raisedAt = Date.parse(alert.time);
  const threshold = raisedAt + (rule.for - 1.5) * intervalMs;
  const lastPoll = obs.lastPollAt === undefined ? Number.NaN : Date.parse(obs.lastPollAt);
  if (Number.isFinite(lastPoll) && lastPoll >= threshold) {
    if (t >= lastPoll + OBSERVATION_SETTLE_MS) return { fire: true };
    return { fire: false, recheckAt: lastPoll + OBSERVATION_SETTLE_MS };
  }
  const expected = raisedAt + (rule.for - 1) * intervalMs + OBSERVATION_SETTLE_MS;
  return { fire: false, recheckAt: Math.max(expected, t + Math.max(1_000, intervalMs / 4)) };
}

/** Until when a resolved alert that had fired keeps firing (`keep_firing_for`); NaN when it does not. */
export function keptFiringUntil(alert: Pick<IncidentAlert, 'status' | 'firingSince' | 'resolvedAt'>, rule: ResolvedFlapRule): number {
  if (alert.status !== 'resolved' || !alert.firingSince || !alert.resolvedAt || rule.keepFiringForS <= 0) return Number.NaN;
  return Date.parse(alert.resolvedAt) + rule.keepFiringForS * 1000;
}

/** Firing now: open and past `for`, or resolved but still inside its `keep_firing_for`. */
export function isFiring(alert: IncidentAlert, rule: ResolvedFlapRule, now: Date): boolean {
  if (!alert.firingSince) return false;
  if (alert.status === 'open') return true;
  const until = keptFiringUntil(alert, rule);
  return Number.isFinite(until) && until > now.getTime();
}
