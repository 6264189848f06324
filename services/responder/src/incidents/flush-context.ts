import type { FlushContext, IncidentRecord } from '@driftwatch/core';
import type { StageContext } from '../context.js';
import { flapOf } from '../stages/incident.js';

/** Reads what an incident's evaluation depends on: silences, the quarantine, the server's polls. */
export async function flushContext(ctx: StageContext, rec: IncidentRecord): Promise<FlushContext> {
  const { store } = ctx;
  const [silences, quarantine, state] = await Promise.all([store.listSilences(), store.getQuarantine(rec.serverId), store.getServerState(rec.serverId)]);
  let pollId: string | undefined;
  if (quarantine?.alertId) {
    pollId = quarantine.pollId ?? rec.alerts.find((a) => a.id === quarantine.alertId)?.pollId ?? (await store.getAlert(quarantine.alertId))?.alert.pollId;
  }
  const t = ctx.now().getTime();
  return {
    flapOf: flapOf(ctx.policy),
    silences: silences.filter((s) => Date.parse(s.endsAt) > t),
    inhibition: {
      quarantine: quarantine ? { at: quarantine.at, alertId: quarantine.alertId, pollId } : null,
      unreachable: state?.reachable === false,
    },
    observation: { pollIntervalS: ctx.servers.get(rec.serverId)?.interval ?? 60, lastPollAt: state?.lastPollAt },
  };
}
