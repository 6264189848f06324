import { TOPICS, type Action } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

const ANNOUNCE_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * Runs a side effect and announces it at most once per action id, however often the alert that
 * caused it is redelivered. The claim is taken first and given back when the effect fails, so a
 * retry can try again; a crash between claim and publish loses only the announcement, never the
 * quarantine itself (that is recorded in the store before).
 */
export async function onceAndAnnounce(
  deps: { bus: BusPort; store: StatePort },
  action: Action,
  effect?: () => Promise<void>,
): Promise<boolean> {
  const key = `action:${action.id}`;
  if (!(await deps.store.claimOnce(key, ANNOUNCE_TTL_MS))) return false;
  try {
    await effect?.();
    await deps.bus.publish(TOPICS.actions, action.serverId, action);
    await deps.store.appendAudit(action);
    return true;
  } catch (err) {
    await deps.store.unclaim(key);
    throw err;
  }
}
