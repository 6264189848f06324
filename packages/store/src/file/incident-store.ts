import type { DeliveryRecord, IncidentRecord, Silence } from '@driftwatch/core';
import { incidentChange, type IncidentChange } from '../events/incident-event.js';
import { incidentLimit } from '../incident-filter.js';
import { MAX_SILENCES, type IncidentFilter, type IncidentStatePort } from '../incidents-port.js';
import type { IncidentMemory } from './incident-memory.js';
import type { IncidentFileRecord } from './incident-records.js';

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * The file store's IncidentStatePort. Decisions (compare-and-set, set-if-absent) are made in the
 * same synchronous step that applies the record to memory, so concurrent callers cannot both win.
 */
export class FileIncidentStore implements IncidentStatePort {
  constructor(
    private readonly mem: IncidentMemory,
    private readonly commit: (rec: IncidentFileRecord) => Promise<void>,
    private readonly writable: () => void,
    /** Records the `incident` event of a write (never throws: the write was made). */
    private readonly announce: (record: IncidentRecord, change: IncidentChange) => Promise<unknown>,
  ) {}

  async getIncident(id: string): Promise<IncidentRecord | null> {
    const r = this.mem.incidents.get(id);
    return r ? clone(r) : null;
  }

  async getOpenIncidentByGroupKey(groupKey: string): Promise<IncidentRecord | null> {
    const id = this.mem.openByGroup.get(groupKey);
    const r = id === undefined ? undefined : this.mem.incidents.get(id);
    return r && r.status !== 'resolved' ? clone(r) : null;
  }

  async putIncident(record: IncidentRecord, expectedVersion: number): Promise<IncidentRecord | null> {
    this.writable();
    const current = this.mem.incidents.get(record.id);
    if ((current?.version ?? 0) !== expectedVersion) return null;
    if (expectedVersion === 0 && record.status !== 'resolved') {
      const holder = this.mem.openByGroup.get(record.groupKey);
      if (holder !== undefined && holder !== record.id) return null;
    }
    const next = { ...record, version: expectedVersion + 1 };
    const change = incidentChange(current ?? null, next);
    // Both start in this synchronous step: the event is journalled right after the write.
    await Promise.all([this.commit({ t: 'inc', v: next }), change && this.announce(next, change)]);
    return clone(next);
  }

  async listIncidents(filter?: IncidentFilter): Promise<IncidentRecord[]> {
    return this.mem.listIncidents(filter, incidentLimit(filter)).map(clone);
  }

  async listIncidentsNeedingAttention(limit = 1000): Promise<IncidentRecord[]> {
    const out: IncidentRecord[] = [];
    for (const id of this.mem.attention) {
      if (out.length >= limit) break;
      const r = this.mem.incidents.get(id);
      if (r) out.push(clone(r));
    }
    return out;
  }

  async putSilence(silence: Silence): Promise<void> {
    this.writable();
    if (!this.mem.silences.has(silence.id) && this.mem.silences.size >= MAX_SILENCES) {
      throw new RangeError(`at most ${MAX_SILENCES} silences are kept; delete expired ones first`);
    }
    await this.commit({ t: 'sil', id: silence.id, v: silence });
  }

  async getSilence(id: string): Promise<Silence | null> {
    const s = this.mem.silences.get(id);
    return s ? clone(s) : null;
  }

  async listSilences(): Promise<Silence[]> {
    return [...this.mem.silences.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1)).map(clone);
  }

  async deleteSilence(id: string): Promise<Silence | null> {
    this.writable();
    const s = this.mem.silences.get(id);
    if (!s) return null;
    await this.commit({ t: 'sil', id, v: null });
    return clone(s);
  }

  async createDelivery(delivery: DeliveryRecord): Promise<boolean> {
    this.writable();
    if (this.mem.deliveries.has(delivery.key)) return false;
    await this.commit({ t: 'dlv', v: delivery });
    return true;
  }

  async putDelivery(delivery: DeliveryRecord): Promise<void> {
    this.writable();
    await this.commit({ t: 'dlv', v: delivery });
  }

  async getDelivery(key: string): Promise<DeliveryRecord | null> {
    const d = this.mem.deliveries.get(key);
    return d ? clone(d) : null;
  }

  async listDeliveries(incidentId: string): Promise<DeliveryRecord[]> {
    return this.mem.deliveriesOf(incidentId).map(clone);
  }

  async listOpenDeliveries(limit = 1000): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const key of this.mem.openDeliveries) {
      if (out.length >= limit) break;
      const d = this.mem.deliveries.get(key);
      if (d) out.push(clone(d));
    }
    return out;
  }
}
