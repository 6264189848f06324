import { makeAction, makeBaselineJson, TOPICS, type ServerConfig } from '@driftwatch/core';
import { publishQuarantineState, type BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

export interface ControlDeps {
  bus: BusPort;
  store: StatePort;
  now: () => Date;
}

export class ConflictError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Consent: the current snapshot becomes the approved baseline. Drift alerts are resolved now, so
 * the operator sees the effect at once; content findings stay open (approving a change is not
 * accepting poisoned text — that is a rule suppression, recorded separately).
 */
export async function approve(deps: ControlDeps, server: ServerConfig, actor: string, reason: string) {
  const snapshot = await deps.store.getLatestSnapshotJson(server.id);
  if (!snapshot) throw new ConflictError('no_snapshot', `server "${server.id}" has not been polled successfully yet; nothing to approve`);
  const now = deps.now();
  const time = now.toISOString();
  // Spliced as text: a snapshot can be megabytes, and this runs on the API's event loop.
  const baseline = makeBaselineJson({ serverId: server.id, ...snapshot }, { origin: 'approval', approvedBy: actor, reason, now });
  await deps.store.putBaselineJson(server.id, baseline);
  await deps.bus.publishEncoded(TOPICS.baselines, server.id, baseline.json);
  await deps.store.updateServerState(server.id, { baselineFingerprint: baseline.fingerprint, drifted: false });

  const open = await deps.store.listAlerts({ serverId: server.id, status: 'open', limit: 1000 });
  let resolved = 0;
  for (const stored of open) {
    // Conditions, not drift: an approved surface is still unreachable or unsandboxed.
    if (stored.alert.kind.startsWith('content.') || stored.alert.kind === 'server.unreachable' || stored.alert.kind === 'server.unsandboxed') continue;
    await deps.store.putAlert({ ...stored, status: 'resolved', resolvedAt: time, resolvedBy: `approved by ${actor}` });
    resolved++;
  }
  const act = makeAction({ serverId: server.id, action: 'approve', actor, reason, time, details: { fingerprint: baseline.fingerprint, resolvedAlerts: resolved } }, [actor, time]);
  await deps.bus.publish(TOPICS.actions, server.id, act);
  await deps.store.appendAudit(act);
  return { baselineFingerprint: baseline.fingerprint, resolvedAlerts: resolved, actionId: act.id };
}

/** Lifts a quarantine. Only a human does this; policy never releases. */
export async function release(deps: ControlDeps, server: ServerConfig, actor: string, reason: string) {
  const lifted = await deps.store.release(server.id);
  if (!lifted) throw new ConflictError('not_quarantined', `server "${server.id}" is not quarantined`);
  // A tombstone on mcp.quarantines.v1 (or the record, if a new quarantine already followed).
  await publishQuarantineState(deps.bus, server.id, await deps.store.getQuarantine(server.id));
  const time = deps.now().toISOString();
  const act = makeAction({ serverId: server.id, action: 'release', actor, reason, time, details: { quarantinedAt: lifted.at, quarantineReason: lifted.reason, alertId: lifted.alertId } }, [actor, time]);
  await deps.bus.publish(TOPICS.actions, server.id, act);
  await deps.store.appendAudit(act);
  return { released: lifted, actionId: act.id };
}
