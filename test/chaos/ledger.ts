// The chaos suite's accounting, kept pure so that it can be tested on its own: from what the
// topics and the receiver double saw, what went missing or happened twice.
import type { ActionSeen, AlertSeen, BaselineSeen, SnapshotSeen } from './observer.js';

export interface Observed {
  snapshots: SnapshotSeen[];
  alerts: AlertSeen[];
  actions: ActionSeen[];
  baselines: BaselineSeen[];
  /** PagerDuty triggers the double accepted: the incident (dedup_key) and the server (payload.source). */
  pages: Array<{ dedupKey: string; serverId: string }>;
}

export interface Tally {
  /** Distinct drifted snapshot fingerprints (not the server's first-use baseline) seen on the topic. */
  driftedSnapshots: number;
  /** …of which have at least one alert raised on them. */
  alertedSnapshots: number;
  /** Servers with a trigger alert at or above the quarantine threshold. */
  serversAlerted: number;
  /** Quarantine decisions: distinct action ids, and messages on mcp.actions.v1 (a re-announcement repeats an id). */
  quarantines: number;
  quarantineMessages: number;
  /** Incidents paged (distinct dedup keys), and trigger events the double accepted for them. */
  pages: number;
  pageEvents: number;
}

const RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The servers' first-use baselines: the one fingerprint each server was trusted with. */
export function firstUse(baselines: readonly BaselineSeen[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of baselines) if (b.origin === 'tofu' && !out.has(b.serverId)) out.set(b.serverId, b.fingerprint);
  return out;
}

/** `server|fingerprint` of every snapshot an alert was raised on. */
function alertedSnapshots(alerts: readonly AlertSeen[]): Set<string> {
  return new Set(alerts.filter((a) => a.action === 'trigger' && a.snapshotFingerprint).map((a) => `${a.serverId}|${a.snapshotFingerprint}`));
}

const serious = (a: AlertSeen, quarantineAt: string): boolean => a.action === 'trigger' && (RANK[a.severity] ?? 0) >= (RANK[quarantineAt] ?? 3);

export function tally(o: Observed, servers: ReadonlySet<string>, quarantineAt: string): Tally {
  const trusted = firstUse(o.baselines);
  const drifted = new Set<string>();
  for (const s of o.snapshots) {
    const fp = s.fingerprints?.snapshot;
    if (s.type === 'snapshot' && fp && servers.has(s.serverId) && trusted.get(s.serverId) !== fp) drifted.add(`${s.serverId}|${fp}`);
  }
  const alertedFps = alertedSnapshots(o.alerts);
  const alertedServers = new Set(o.alerts.filter((a) => servers.has(a.serverId) && serious(a, quarantineAt)).map((a) => a.serverId));
  const quarantineActions = o.actions.filter((a) => servers.has(a.serverId) && a.action === 'quarantine');
  const pages = o.pages.filter((p) => servers.has(p.serverId));
  return {
    driftedSnapshots: drifted.size,
    alertedSnapshots: [...drifted].filter((k) => alertedFps.has(k)).length,
    serversAlerted: alertedServers.size,
    quarantines: new Set(quarantineActions.map((a) => a.id)).size,
    quarantineMessages: quarantineActions.length,
    pages: new Set(pages.map((p) => p.dedupKey)).size,
    pageEvents: pages.length,
  };
}

/**
 * What must never happen, whatever was killed: a drifted snapshot nobody alerted on, a serious
 * alert without a quarantine, a server quarantined or paged twice for one change, a server
 * trusted on first use a second time (with another surface: a Redis loss re-baselined it), an
 * alert on a server that never changed.
 */
export function violations(o: Observed, rugPulled: ReadonlySet<string>, unchanged: ReadonlySet<string>, quarantineAt: string): string[] {
  const out: string[] = [];
  const trusted = firstUse(o.baselines);
  const alertedFps = alertedSnapshots(o.alerts);
  const reported = new Set<string>();
  for (const s of o.snapshots) {
    const fp = s.fingerprints?.snapshot;
    if (s.type !== 'snapshot' || !fp || trusted.get(s.serverId) === fp) continue;
    const key = `${s.serverId}|${fp}`;
    if (!trusted.has(s.serverId)) {
      if (!reported.has(key)) out.push(`${s.serverId}: snapshot ${fp.slice(0, 12)} before any baseline`);
    } else if (!alertedFps.has(key) && !reported.has(key)) out.push(`${s.serverId}: drifted snapshot ${fp.slice(0, 12)} (poll ${s.pollId}) has no alert`);
    reported.add(key);
  }
  for (const id of rugPulled) {
    const quarantines = new Set(o.actions.filter((a) => a.serverId === id && a.action === 'quarantine').map((a) => a.id));
    const alerted = o.alerts.some((a) => a.serverId === id && serious(a, quarantineAt));
    if (!alerted) out.push(`${id}: rug pulled, but no alert at or above ${quarantineAt}`);
    if (alerted && quarantines.size === 0) out.push(`${id}: serious alert without a quarantine decision`);
    if (quarantines.size > 1) out.push(`${id}: quarantined ${quarantines.size} times for one change`);
    const pages = new Set(o.pages.filter((p) => p.serverId === id).map((p) => p.dedupKey));
    if (pages.size === 0) out.push(`${id}: never paged`);
    if (pages.size > 1) out.push(`${id}: paged ${pages.size} times (${[...pages].join(', ')}) for one change`);
  }
  const tofu = new Map<string, Set<string>>();
  for (const b of o.baselines) if (b.origin === 'tofu') tofu.set(b.serverId, (tofu.get(b.serverId) ?? new Set()).add(b.fingerprint));
  for (const [id, fps] of tofu) if (fps.size > 1) out.push(`${id}: trusted on first use ${fps.size} times with different surfaces (re-baselined)`);
  for (const id of unchanged) {
    const alerts = o.alerts.filter((a) => a.serverId === id && a.action === 'trigger');
    if (alerts.length > 0) out.push(`${id}: never changed, yet ${alerts.length} alert(s): ${[...new Set(alerts.map((a) => a.kind))].join(', ')}`);
  }
  return out;
}
