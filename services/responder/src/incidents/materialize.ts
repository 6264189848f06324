import { notificationOf, takeOutbox, type DeliveryRecord, type IncidentRecord, type Links } from '@driftwatch/core';
import { updateIncident, type StatePort } from '@driftwatch/store';

/**
 * Turns an incident's outbox entries into delivery records (one per receiver, keyed by the
 * idempotency key, created only if absent), then removes the entries from the outbox. A crash
 * in between repeats the creation, which changes nothing. Returns how many it created.
 */
export async function materializeOutbox(store: StatePort, rec: IncidentRecord, links: Links, now: Date): Promise<number> {
  if (rec.outbox.length === 0) return 0;
  let created = 0;
  const at = now.toISOString();
  for (const entry of rec.outbox) {
    for (const receiver of entry.receivers) {
      const notification = notificationOf(rec, entry, receiver, links);
      const delivery: DeliveryRecord = {
        key: notification.idempotencyKey,
        incidentId: rec.id,
        serverId: rec.serverId,
        receiver,
        seq: entry.seq,
        transition: entry.transition,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
        notification,
      };
      if (await store.createDelivery(delivery)) created++;
    }
  }
  const seqs = rec.outbox.map((e) => e.seq);
  await updateIncident(store, rec.id, (cur) => takeOutbox(cur, seqs));
  return created;
}
