import type { Logger } from 'pino';
import { TOPICS, type IncidentRecord } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

/**
 * Distributed mode: every incident write that lands in the store is also published to the
 * compacted `mcp.incidents.v1` (a tombstone once resolved), so a Redis lost between an incident's
 * opening and its page gives it back at the rebuild instead of forgetting it (the chaos suite lost
 * such a page: the re-raised alerts of the change were inhibited by the restored quarantine).
 *
 * What it does not promise: two writers of one incident may publish out of order, so the topic can
 * hold the version before the last; and a publish that fails (Kafka down) is logged, not retried:
 * the store write stands and the incident's next write publishes it again.
 */
export function mirrorIncidents(store: StatePort, bus: BusPort, logger: Logger): StatePort {
  const log = logger.child({ component: 'incident-mirror' });
  async function publish(record: IncidentRecord): Promise<void> {
    try {
      if (record.status === 'resolved') await bus.publishTombstone(TOPICS.incidents, record.id);
      else await bus.publish(TOPICS.incidents, record.id, record);
    } catch (err) {
      log.warn({ incidentId: record.id, err: (err as Error).message }, 'incident not mirrored to Kafka; its next write will');
    }
  }
  return {
    ...store,
    async putIncident(record, expectedVersion) {
      const stored = await store.putIncident(record, expectedVersion);
      if (stored) await publish(stored);
      return stored;
    },
  };
}
