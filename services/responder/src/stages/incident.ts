import {
  addAlert,
  flapRuleFor,
  groupKeyOf,
  markQuarantine,
  openIncident,
  resolveAlert,
  routeAlert,
  type Alert,
  type FlapRuleOf,
  type IncidentPolicy,
  type IncidentRecord,
} from '@driftwatch/core';
import { updateIncident } from '@driftwatch/store';
import { DONE_TTL_MS, type StageContext } from '../context.js';
import type { QuarantineOutcome } from './quarantine.js';

const CAS_ATTEMPTS = 8;

export function flapOf(policy: IncidentPolicy): FlapRuleOf {
  return (kind) => flapRuleFor(policy.flap, kind);
}

/**
 * Stage 3: the alert joins its server's open incident for its group key (or opens one). Only the
 * store is touched: notifications are planned by the flusher, off the consumer's path. Returns the
 * incident ids it changed.
 */
export async function incidentStage(ctx: StageContext, alert: Alert, quarantine: QuarantineOutcome): Promise<string[]> {
  return alert.action === 'trigger' ? addToIncident(ctx, alert, quarantine) : resolveInIncidents(ctx, alert.serverId, { dedupKey: alert.dedupKey, by: 'differ: no longer observed' });
}

async function addToIncident(ctx: StageContext, alert: Alert, quarantine: QuarantineOutcome): Promise<string[]> {
  const { store, policy } = ctx;
  const doneKey = `done:incident:${alert.id}`;
  // A redelivered alert that already joined an incident (maybe resolved since) is not news.
  if (await store.isClaimed(doneKey)) return [];
  const tags = ctx.servers.get(alert.serverId)?.tags ?? [];
  const route = routeAlert(alert, tags, policy);
  const groupKey = groupKeyOf(alert, route.primary.groupBy);
  const flap = flapRuleFor(policy.flap, alert.kind);
  const quarantined = quarantine === 'quarantined' || (await store.getQuarantine(alert.serverId)) !== null;
  let touched: string | undefined;
  for (let i = 0; i < CAS_ATTEMPTS && touched === undefined; i++) {
    const now = ctx.now();
    const current = await store.getOpenIncidentByGroupKey(groupKey);
    let next: IncidentRecord = current
      ? addAlert(current, { alert, receivers: route.receivers, flap, now })
      : openIncident({ alert, groupKey, receivers: route.receivers, timing: route.primary.timing, tags, flap, now });
    if (quarantined) next = markQuarantine(next, { would: false, alertId: alert.id, now });
    if (quarantine === 'would_quarantine') next = markQuarantine(next, { would: true, alertId: alert.id, now });
    if (current && next === current) touched = current.id;
    else if (await store.putIncident(next, current?.version ?? 0)) touched = next.id;
    else if (!current && (await store.getIncident(next.id))?.status === 'resolved') {
      // This alert opened an incident that is resolved since (its done-marker was lost).
      await store.claimOnce(doneKey, DONE_TTL_MS);
      return [];
    }
  }
  if (touched === undefined) throw new Error(`incident for ${groupKey} kept changing; the alert will be redelivered`);
  await store.claimOnce(doneKey, DONE_TTL_MS);
  return [touched];
}

/** Resolves the open alert (by dedup key or id) in whichever active incident of the server holds it. */
export async function resolveInIncidents(
  ctx: StageContext,
  serverId: string,
  which: { dedupKey?: string; alertId?: string; by: string },
): Promise<string[]> {
  const active = await ctx.store.listIncidents({ serverId, status: 'active', limit: 500 });
  const holders = active.filter((r) => r.alerts.some((a) => a.status === 'open' && (a.dedupKey === which.dedupKey || a.id === which.alertId)));
  const changed: string[] = [];
  for (const r of holders) {
    const res = await updateIncident(ctx.store, r.id, (cur) => resolveAlert(cur, { ...which, now: ctx.now(), flapOf: flapOf(ctx.policy) }), CAS_ATTEMPTS);
    if (res && res.after !== res.before) changed.push(r.id);
  }
  return changed;
}

/**
 * Alerts resolved outside the alert stream (a human approved the baseline in the API, which
 * resolves drift alerts in the store): carry that into the incidents that hold them.
 */
export async function reconcileIncidents(ctx: StageContext, incidents: readonly IncidentRecord[]): Promise<string[]> {
  const changed: string[] = [];
  for (const r of incidents) {
    if (r.status === 'resolved') continue;
    const resolved: Array<{ id: string; by: string }> = [];
    for (const a of r.alerts) {
      if (a.status !== 'open') continue;
      const stored = await ctx.store.getAlert(a.id);
      if (stored && stored.status === 'resolved') resolved.push({ id: a.id, by: stored.resolvedBy ?? 'resolved' });
    }
    if (!resolved.length) continue;
    const res = await updateIncident(
      ctx.store,
      r.id,
      (cur) => resolved.reduce((acc, x) => resolveAlert(acc, { alertId: x.id, by: x.by, now: ctx.now(), flapOf: flapOf(ctx.policy) }), cur),
      CAS_ATTEMPTS,
    );
    if (res && res.after !== res.before) changed.push(r.id);
  }
  return changed;
}
