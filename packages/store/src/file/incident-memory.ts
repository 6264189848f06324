import { deliveryIsOpen, incidentNeedsAttention, type DeliveryRecord, type IncidentRecord, type Silence } from '@driftwatch/core';
import { byDeliveryOrder, incidentScore, matchesIncidentFilter } from '../incident-filter.js';
import type { IncidentFilter } from '../incidents-port.js';
import type { IncidentFileRecord } from './incident-records.js';

interface Ordered {
  score: number;
  id: string;
}

function before(a: Ordered, b: Ordered): boolean {
  return a.score < b.score || (a.score === b.score && a.id < b.id);
}

/**
 * The embedded store's incidents, silences and deliveries. Like MemoryState, mutated only by
 * apply() (live writes and replay alike). Resolved incidents beyond `maxIncidents` are dropped,
 * oldest first, with their deliveries.
 */
export class IncidentMemory {
  readonly incidents = new Map<string, IncidentRecord>();
  /** Incident ids ascending by (openedAt, id). */
  private order: Ordered[] = [];
  readonly openByGroup = new Map<string, string>();
  readonly attention = new Set<string>();
  readonly silences = new Map<string, Silence>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly byIncident = new Map<string, Set<string>>();
  readonly openDeliveries = new Set<string>();

  constructor(private readonly maxIncidents: number) {}

  apply(rec: IncidentFileRecord): void {
    switch (rec.t) {
      case 'inc':
        this.setIncident(rec.v);
        return;
      case 'sil':
        if (rec.v) this.silences.set(rec.id, rec.v);
        else this.silences.delete(rec.id);
        return;
      case 'dlv':
        this.setDelivery(rec.v);
        return;
    }
  }

  private setIncident(r: IncidentRecord): void {
    const prev = this.incidents.get(r.id);
    if (!prev) this.insertOrder({ score: incidentScore(r), id: r.id });
    this.incidents.set(r.id, r);
    if (r.status !== 'resolved') this.openByGroup.set(r.groupKey, r.id);
    else if (this.openByGroup.get(r.groupKey) === r.id) this.openByGroup.delete(r.groupKey);
    if (incidentNeedsAttention(r)) this.attention.add(r.id);
    else this.attention.delete(r.id);
    if (this.incidents.size > this.maxIncidents) this.evictOne();
  }

  private setDelivery(d: DeliveryRecord): void {
    this.deliveries.set(d.key, d);
    let keys = this.byIncident.get(d.incidentId);
    if (!keys) this.byIncident.set(d.incidentId, (keys = new Set()));
    keys.add(d.key);
    if (deliveryIsOpen(d)) this.openDeliveries.add(d.key);
    else this.openDeliveries.delete(d.key);
  }

  /** The oldest incident nobody has work on goes (with its deliveries); active ones never do. */
  private evictOne(): void {
    const idx = this.order.findIndex((o) => !this.attention.has(o.id));
    if (idx < 0) return;
    const victim = this.order[idx]!;
    this.order.splice(idx, 1);
    const r = this.incidents.get(victim.id);
    this.incidents.delete(victim.id);
    if (r && this.openByGroup.get(r.groupKey) === r.id) this.openByGroup.delete(r.groupKey);
    for (const key of this.byIncident.get(victim.id) ?? []) {
      this.deliveries.delete(key);
      this.openDeliveries.delete(key);
    }
    this.byIncident.delete(victim.id);
  }

  private lowerBound(o: Ordered): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.order[mid]!, o)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertOrder(o: Ordered): void {
    this.order.splice(this.lowerBound(o), 0, o);
  }

  listIncidents(filter: IncidentFilter | undefined, limit: number): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    let i = this.order.length - 1;
    if (filter?.before) i = this.lowerBound({ score: incidentScore(filter.before), id: filter.before.id }) - 1;
    for (; i >= 0 && out.length < limit; i--) {
      const r = this.incidents.get(this.order[i]!.id);
      if (r && matchesIncidentFilter(r, filter)) out.push(r);
    }
    return out;
  }

  deliveriesOf(incidentId: string): DeliveryRecord[] {
    return [...(this.byIncident.get(incidentId) ?? [])].map((k) => this.deliveries.get(k)!).filter(Boolean).sort(byDeliveryOrder);
  }

  /** Records that rebuild this state: incidents in opening order, then silences, then deliveries. */
  dump(): IncidentFileRecord[] {
    const out: IncidentFileRecord[] = [];
    for (const o of this.order) {
      const v = this.incidents.get(o.id);
      if (v) out.push({ t: 'inc', v });
    }
    for (const [id, v] of this.silences) out.push({ t: 'sil', id, v });
    for (const v of this.deliveries.values()) out.push({ t: 'dlv', v });
    return out;
  }
}
