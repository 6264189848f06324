import { stableId } from './ids.js';
import type { Action, ActionKind } from './schemas/action.js';

export interface ActionInput {
  serverId: string;
  action: ActionKind;
  actor: string;
  reason: string;
  alertId?: string;
  details?: Record<string, unknown>;
  time: string;
}

/**
 * An audit-trail message. The id is derived from `idParts`, so the same decision announced twice
 * (a retry, a redelivery) carries the same id and consumers can dedupe it.
 */
export function makeAction(input: ActionInput, idParts: readonly string[]): Action {
  return {
    id: stableId('act', input.action, input.serverId, ...idParts),
    type: 'action',
    version: 1,
    time: input.time,
    serverId: input.serverId,
    action: input.action,
    actor: input.actor,
    reason: input.reason,
    ...(input.alertId ? { alertId: input.alertId } : {}),
    ...(input.details ? { details: input.details } : {}),
  };
}
