import {
  approveToolInBaseline,
  changedTools,
  isToolDriftKind,
  makeAction,
  makeBaseline,
  pendingChanges,
  toolFingerprintIn,
  TOPICS,
  type Action,
  type Baseline,
  type Snapshot,
  type ToolRejection,
} from '@driftwatch/core';
import { publishQuarantineState } from '@driftwatch/bus';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError, type ControlDeps } from './control.js';
import type { ServerRejectResult, ToolApproveResult, ToolRejectResult } from './consent-schemas.js';

/*
 * Consent per tool, and refusing a whole server's change. Each operation reads the latest
 * snapshot and the baseline, decides in core, then writes; one consent decision per server at a
 * time (a claim with a short expiry), so two operators approving two tools of one server cannot
 * overwrite each other's baseline.
 *
 * Semantics:
 * - approveTool: the current version of the tool (or its absence) enters the baseline; every
 *   other part of the baseline stays as approved. Its drift alerts resolve; content findings stay
 *   open (approving a change is not accepting poisoned text). An earlier rejection of the tool is
 *   withdrawn. Needs a baseline: a server never approved is approved as a whole first.
 * - rejectTool: the tool's current version is recorded as rejected. The allowlist blocks it, the
 *   server's other tools stay usable, the differ does not alert on that version again (a new
 *   version alerts), its drift alerts resolve as decided. A quarantine is not lifted (release is
 *   its own decision).
 * - reject (whole server): the pending change is refused. Every tool whose current version the
 *   baseline does not hold is rejected as above, and the server is quarantined with the
 *   operator's reason — a change to instructions, identity or models cannot be blocked per tool,
 *   so the server stops being usable until a human releases it. The baseline is untouched.
 *   With nothing pending (or nothing polled yet) it still quarantines: refusing a server is
 *   always possible. After a release, changes that are not tools (instructions …) are still
 *   drift until approved or reverted.
 * - Rejections outlive a whole-server approve (POST …/approve): a rejected version that enters the
 *   baseline that way stays blocked on the allowlist. Only approveTool withdraws a rejection.
 *
 * Every decision is audited (`tool.approve`, `tool.reject`, `reject`, plus `quarantine` when a
 * reject quarantined) with the authenticated actor and the required reason.
 */

export type ConsentDeps = ControlDeps;

export interface ToolDecisionOptions {
  /** The fingerprint of the version the operator reviewed; refused (409) if the tool moved on since. */
  fingerprint?: string;
}

/** One consent decision per server at a time; expires by itself if this process dies holding it. */
const LOCK_TTL_MS = 30_000;
/** Audit details stay small whatever a server lists. */
const MAX_DETAIL_TOOLS = 100;

async function withServerLock<T>(deps: ConsentDeps, serverId: string, fn: () => Promise<T>): Promise<T> {
  const key = `consent:${serverId}`;
  if (!(await deps.store.claimOnce(key, LOCK_TTL_MS))) {
    throw new ConflictError('decision_in_progress', `another consent decision on server "${serverId}" is in progress; try again`);
  }
  try {
    return await fn();
  } finally {
    await deps.store.unclaim(key);
  }
}

async function record(deps: ConsentDeps, action: Action): Promise<void> {
  await deps.bus.publish(TOPICS.actions, action.serverId, action);
  await deps.store.appendAudit(action);
}

/** Resolves the open drift alerts about these tools; content and integrity findings stay open. */
async function resolveToolAlerts(deps: ConsentDeps, serverId: string, tools: readonly string[], by: string, time: string): Promise<number> {
  const names = new Set(tools);
  const open = await deps.store.listAlerts({ serverId, status: 'open', limit: 1000 });
  let resolved = 0;
  for (const stored of open) {
    if (!isToolDriftKind(stored.alert.kind) || !names.has(stored.alert.subject)) continue;
    await deps.store.putAlert({ ...stored, status: 'resolved', resolvedAt: time, resolvedBy: by.slice(0, 256) });
    resolved++;
  }
  return resolved;
}

/** Recomputes `drifted` from what is still undecided, when there is a baseline to differ from. */
async function updateDrifted(deps: ConsentDeps, serverId: string, baseline: Snapshot | null, current: Snapshot, rejections: readonly ToolRejection[]): Promise<boolean> {
  if (!baseline) return false;
  const drifted = pendingChanges(baseline, current, rejections).changes.length > 0;
  await deps.store.updateServerState(serverId, { drifted });
  return drifted;
}

function checkReviewed(name: string, reviewed: string | undefined, current: string | undefined): void {
  if (reviewed === undefined || reviewed === current) return;
  throw new ConflictError(
    'fingerprint_mismatch',
    `tool "${name}" is now ${current === undefined ? 'absent' : `at ${current}`}, not the reviewed version ${reviewed}; review it again`,
  );
}

async function readSurface(deps: ConsentDeps, serverId: string): Promise<{ current: Snapshot | null; baseline: Baseline | null; rejections: ToolRejection[] }> {
  const [current, baseline, rejections] = await Promise.all([
    deps.store.getLatestSnapshot(serverId),
    deps.store.getBaseline(serverId),
    deps.store.listToolRejections(serverId),
  ]);
  return { current, baseline, rejections };
}

/** Consent for one tool's current version (or its removal). See the semantics above. */
export async function approveTool(
  deps: ConsentDeps,
  serverId: string,
  toolName: string,
  actor: string,
  reason: string,
  options: ToolDecisionOptions = {},
): Promise<ToolApproveResult> {
  return withServerLock(deps, serverId, async () => {
    const { current, baseline, rejections } = await readSurface(deps, serverId);
    if (!current) throw new ConflictError('no_snapshot', `server "${serverId}" has not been polled successfully yet; nothing to approve`);
    if (!baseline) {
      throw new ConflictError('no_baseline', `server "${serverId}" has no approved baseline yet; approve the server as a whole first (POST /v1/servers/${serverId}/approve)`);
    }
    const inCurrent = toolFingerprintIn(current, toolName);
    if (inCurrent === undefined && toolFingerprintIn(baseline.snapshot, toolName) === undefined) {
      throw new HttpError(404, 'not_found', `server "${serverId}" has no tool "${toolName}" in its baseline or its latest snapshot`);
    }
    checkReviewed(toolName, options.fingerprint, inCurrent);
    const approval = approveToolInBaseline(baseline.snapshot, current, toolName);
    const withdrawn = rejections.find((r) => r.tool === toolName);
    if (!approval.changed && !withdrawn) {
      throw new ConflictError('nothing_to_approve', `tool "${toolName}" of server "${serverId}" is already approved as it is now`);
    }

    const now = deps.now();
    const time = now.toISOString();
    const remaining = rejections.filter((r) => r.tool !== toolName);
    const drifted = pendingChanges(approval.snapshot, current, remaining).changes.length > 0;
    let baselineFingerprint = baseline.fingerprint;
    if (approval.changed) {
      // Like a whole approval: the store first, then the compacted topic Redis can be rebuilt from.
      const next = makeBaseline(approval.snapshot, { origin: 'approval', approvedBy: actor, reason, now });
      await deps.store.putBaseline(next);
      await deps.bus.publish(TOPICS.baselines, serverId, next);
      baselineFingerprint = next.fingerprint;
    }
    if (withdrawn) await deps.store.deleteToolRejection(serverId, toolName);
    await deps.store.updateServerState(serverId, { baselineFingerprint, drifted });
    const resolvedAlerts = await resolveToolAlerts(deps, serverId, [toolName, ...approval.alsoRemoved], `approved by ${actor}`, time);

    const action = makeAction(
      {
        serverId,
        action: 'tool.approve',
        actor,
        reason,
        time,
        details: {
          tool: toolName,
          fingerprint: approval.toolFingerprint,
          baselineFingerprint,
          alsoRemoved: approval.alsoRemoved,
          clearedRejection: withdrawn ? { fingerprint: withdrawn.fingerprint, actor: withdrawn.actor, at: withdrawn.at } : null,
          resolvedAlerts,
          drifted,
        },
      },
      [toolName, actor, time],
    );
    await record(deps, action);
    return {
      serverId,
      tool: toolName,
      fingerprint: approval.toolFingerprint,
      baselineFingerprint,
      alsoRemoved: approval.alsoRemoved,
      drifted,
      resolvedAlerts,
      clearedRejection: withdrawn !== undefined,
      actionId: action.id,
    };
  });
}

/** Refuses one tool's current version. See the semantics above. */
export async function rejectTool(
  deps: ConsentDeps,
  serverId: string,
  toolName: string,
  actor: string,
  reason: string,
  options: ToolDecisionOptions = {},
): Promise<ToolRejectResult> {
  return withServerLock(deps, serverId, async () => {
    const { current, baseline, rejections } = await readSurface(deps, serverId);
    if (!current) throw new ConflictError('no_snapshot', `server "${serverId}" has not been polled successfully yet; nothing to reject`);
    const fingerprint = toolFingerprintIn(current, toolName);
    if (fingerprint === undefined) {
      if (baseline && toolFingerprintIn(baseline.snapshot, toolName) !== undefined) {
        throw new ConflictError('tool_not_present', `tool "${toolName}" is no longer served by "${serverId}"; there is no version to reject (approve the removal, or leave it pending)`);
      }
      throw new HttpError(404, 'not_found', `server "${serverId}" has no tool "${toolName}" in its latest snapshot`);
    }
    checkReviewed(toolName, options.fingerprint, fingerprint);
    const previous = rejections.find((r) => r.tool === toolName);
    if (previous?.fingerprint === fingerprint) {
      throw new ConflictError('already_rejected', `this version of tool "${toolName}" was already rejected by ${previous.actor} at ${previous.at}`);
    }

    const time = deps.now().toISOString();
    const action = makeAction({ serverId, action: 'tool.reject', actor, reason, time }, [toolName, fingerprint, actor, time]);
    const rejection: ToolRejection = { serverId, tool: toolName, fingerprint, actor, reason, at: time, actionId: action.id };
    await deps.store.putToolRejection(rejection);
    const others = rejections.filter((r) => r.tool !== toolName);
    const drifted = await updateDrifted(deps, serverId, baseline?.snapshot ?? null, current, [...others, rejection]);
    const resolvedAlerts = await resolveToolAlerts(deps, serverId, [toolName], `rejected by ${actor}`, time);
    const quarantined = (await deps.store.getQuarantine(serverId)) !== null;

    await record(deps, {
      ...action,
      details: { tool: toolName, fingerprint, replacedRejection: previous?.fingerprint ?? null, resolvedAlerts, drifted, quarantined },
    });
    return { serverId, tool: toolName, fingerprint, drifted, resolvedAlerts, quarantined, actionId: action.id };
  });
}

/** Refuses a server's pending change as a whole. See the semantics above. */
export async function reject(deps: ConsentDeps, serverId: string, actor: string, reason: string): Promise<ServerRejectResult> {
  return withServerLock(deps, serverId, async () => {
    const { current, baseline, rejections } = await readSurface(deps, serverId);
    const time = deps.now().toISOString();
    const action = makeAction({ serverId, action: 'reject', actor, reason, time }, [actor, time]);

    const refused = current ? changedTools(baseline?.snapshot ?? null, current) : [];
    const fresh = refused.filter((t) => !rejections.some((r) => r.tool === t.name && r.fingerprint === t.fingerprint));
    const written: ToolRejection[] = fresh.map((t) => ({ serverId, tool: t.name, fingerprint: t.fingerprint, actor, reason, at: time, actionId: action.id }));
    for (const r of written) await deps.store.putToolRejection(r);
    const merged = [...rejections.filter((r) => !written.some((w) => w.tool === r.tool)), ...written];
    const drifted = current ? await updateDrifted(deps, serverId, baseline?.snapshot ?? null, current, merged) : false;
    const resolvedAlerts = await resolveToolAlerts(deps, serverId, refused.map((t) => t.name), `rejected by ${actor}`, time);

    const created = await deps.store.quarantine(serverId, { reason, actor, at: time });
    if (created) await publishQuarantineState(deps.bus, serverId, await deps.store.getQuarantine(serverId));
    let quarantineActionId: string | undefined;
    if (created) {
      const q = makeAction({ serverId, action: 'quarantine', actor, reason, time, details: { by: 'reject', rejectActionId: action.id } }, [action.id]);
      await record(deps, q);
      quarantineActionId = q.id;
    }
    await record(deps, {
      ...action,
      details: {
        rejectedTools: refused.slice(0, MAX_DETAIL_TOOLS),
        rejectedToolCount: refused.length,
        snapshotFingerprint: current?.fingerprints.snapshot ?? null,
        baselineFingerprint: baseline?.fingerprint ?? null,
        quarantine: created ? 'now' : 'already',
        resolvedAlerts,
        drifted,
      },
    });
    return {
      serverId,
      rejectedTools: refused,
      quarantine: created ? 'now' : 'already',
      drifted,
      resolvedAlerts,
      actionId: action.id,
      ...(quarantineActionId ? { quarantineActionId } : {}),
    };
  });
}
