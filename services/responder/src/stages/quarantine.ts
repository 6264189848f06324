import { decideQuarantine, makeAction, TOPICS, type Alert } from '@driftwatch/core';
import { publishQuarantineState } from '@driftwatch/bus';
import { onceAndAnnounce } from '../announce.js';
import { DONE_TTL_MS, type StageContext } from '../context.js';

export type QuarantineOutcome = 'quarantined' | 'would_quarantine' | 'none';

/**
 * Stage 2, immediate: quarantine once per alert, before (and whatever happens to) grouping and
 * notifications. A done-marker written after the effect means a redelivered alert never
 * quarantines again, even after a human released the server in between; a crash before the
 * marker repeats the (idempotent) quarantine and re-announces it under the same action id.
 * In a dry run the decision is recorded and audited as `would_quarantine` and nothing is enforced.
 */
export async function quarantineStage(ctx: StageContext, alert: Alert): Promise<QuarantineOutcome> {
  const { store, bus, policy, logger, metrics } = ctx;
  const decision = decideQuarantine(alert, policy, ctx.servers.get(alert.serverId)?.quarantine);
  if (decision.action === 'none') {
    if (decision.why === 'server_never' || decision.why === 'low_confidence') {
      logger.info({ serverId: alert.serverId, alertId: alert.id, kind: alert.kind, why: decision.why }, 'alert at the quarantine threshold; not quarantining');
    }
    return 'none';
  }
  const time = ctx.now().toISOString();
  const details = { kind: alert.kind, severity: alert.severity, quarantineAt: policy.quarantineAt };

  if (decision.action === 'would_quarantine') {
    const action = makeAction({ serverId: alert.serverId, action: 'would_quarantine', actor: 'policy', reason: alert.summary, alertId: alert.id, time, details: { ...details, dryRun: true } }, [alert.id]);
    if (await onceAndAnnounce({ bus, store }, action)) {
      metrics.actionsTotal.inc({ action: 'would_quarantine' });
      logger.warn({ serverId: alert.serverId, alertId: alert.id, kind: alert.kind }, 'dry run: would quarantine the server');
    }
    return 'would_quarantine';
  }

  // One change, one quarantine action: the alerts of one poll share its id. Another alert of the
  // change that quarantines again (its write queued in ioredis across a Redis that came back
  // empty: seen in the chaos suite) announces the id receivers already have, not a second one.
  const changeId = alert.pollId ?? alert.id;
  const doneKey = `done:quarantine:${alert.id}`;
  if (await store.isClaimed(doneKey)) return 'quarantined';
  const created = await store.quarantine(alert.serverId, { reason: alert.summary, alertId: alert.id, ...(alert.pollId ? { pollId: alert.pollId } : {}), actor: 'policy', at: time });
  const current = created ? null : await store.getQuarantine(alert.serverId);
  // Announce only a quarantine this alert caused (the server may already be quarantined by another).
  if (created || current?.alertId === alert.id) {
    // Logged as soon as it is in effect (the API already shows it), before the announcement.
    logger.warn({ serverId: alert.serverId, alertId: alert.id, kind: alert.kind }, 'server quarantined');
    // Kept on Kafka too, so the quarantine outlives a Redis loss (rebuilt at start).
    await publishQuarantineState(bus, alert.serverId, await store.getQuarantine(alert.serverId));
    const action = makeAction({ serverId: alert.serverId, action: 'quarantine', actor: 'policy', reason: alert.summary, alertId: alert.id, time, details }, [changeId]);
    await bus.publish(TOPICS.actions, alert.serverId, action);
    await store.appendAudit(action);
    metrics.actionsTotal.inc({ action: 'quarantine' });
  }
  await store.claimOnce(doneKey, DONE_TTL_MS);
  metrics.quarantinedServers.set(await store.countQuarantined());
  return 'quarantined';
}
