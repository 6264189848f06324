import type { IncidentRecord } from '@driftwatch/core';
import type { IncidentStatePort } from './incidents-port.js';

/** Another writer kept changing the incident for every attempt. */
export class IncidentContentionError extends Error {
  override readonly name = 'IncidentContentionError';
}

/**
 * Read-modify-write of one incident with compare-and-set, retried on conflict. `change` is pure
 * and may run several times; returning its input unchanged writes nothing. Null when the incident
 * does not exist. Throws what `change` throws (a refused transition).
 */
export async function updateIncident(
  store: Pick<IncidentStatePort, 'getIncident' | 'putIncident'>,
  id: string,
  change: (current: IncidentRecord) => IncidentRecord,
  attempts = 8,
): Promise<{ before: IncidentRecord; after: IncidentRecord } | null> {
  for (let i = 0; i < attempts; i++) {
    const before = await store.getIncident(id);
    if (!before) return null;
    const next = change(before);
    if (next === before) return { before, after: before };
    const after = await store.putIncident(next, before.version);
    if (after) return { before, after };
  }
  throw new IncidentContentionError(`incident ${id} kept changing under ${attempts} attempts to update it`);
}
