import type { ApiKeyRecord, QuarantineRecord, ServerState, StoredAlert } from '@driftwatch/core';
import { alertScore, matchesFilter } from '../alert-filter.js';
import { EVENT_RETAIN_COUNT } from '../events/event.js';
import { AuditIndex } from './audit-index.js';
import { EventRing } from './event-ring.js';
import type { AlertFilter, JsonBlob, OpenFinding } from '../port.js';
import type { FileRecord } from './records.js';
import { ToolRejectionTable } from './tool-rejections.js';
import { IncidentMemory } from './incident-memory.js';
import { CatalogState } from './catalog.js';

type PlainState = Omit<ServerState, 'quarantine'>;
interface Ordered {
  score: number;
  id: string;
}

function before(a: Ordered, b: Ordered): boolean {
  return a.score < b.score || (a.score === b.score && a.id < b.id);
}

/**
 * The embedded store's state. Mutated only through apply(), by the live path and by replay
 * alike, so that what a restart rebuilds is exactly what was running. Values held here are
 * private copies (parsed from the journal line) and never mutated in place.
 */
export class MemoryState {
  readonly servers = new Map<string, PlainState>();
  /** Kept as JSON text: parsed only when a caller asks for the object (see JsonBlob). */
  readonly snapshots = new Map<string, JsonBlob>();
  readonly baselines = new Map<string, JsonBlob>();
  readonly findings = new Map<string, Record<string, OpenFinding>>();
  readonly alerts = new Map<string, StoredAlert>();
  /** Alert ids ascending by (score, id): listing walks it from the end. */
  private order: Ordered[] = [];
  readonly openByDedupKey = new Map<string, string>();
  readonly quarantines = new Map<string, QuarantineRecord>();
  readonly claims = new Map<string, number>();
  readonly apiKeys = new Map<string, ApiKeyRecord>();
  readonly toolRejections = new ToolRejectionTable();
  /** Every audit entry within the retention: pruned by time (FileStore.prune), never by count. */
  readonly audit = new AuditIndex();
  readonly events = new EventRing(EVENT_RETAIN_COUNT);
  readonly catalog = new CatalogState();
  private nextClaimSweep = 1024;
  readonly incidents: IncidentMemory;

  constructor(
    private readonly maxAlerts: number,
    maxIncidents = 10_000,
  ) {
    this.incidents = new IncidentMemory(maxIncidents);
  }

  apply(rec: FileRecord): void {
    switch (rec.t) {
      case 'srv':
        if (rec.v) this.servers.set(rec.id, rec.v);
        else this.servers.delete(rec.id);
        return;
      case 'snap':
        this.snapshots.set(rec.id, { fingerprint: rec.v.fingerprints.snapshot, json: JSON.stringify(rec.v) });
        return;
      case 'base':
        this.baselines.set(rec.id, { fingerprint: rec.v.fingerprint, json: JSON.stringify(rec.v) });
        return;
      case 'find':
        if (Object.keys(rec.v).length) this.findings.set(rec.id, rec.v);
        else this.findings.delete(rec.id);
        return;
      case 'alert':
        this.setAlert(rec.v);
        return;
      case 'openptr':
        if (this.alerts.get(rec.id)?.status === 'open') this.openByDedupKey.set(rec.dk, rec.id);
        return;
      case 'q':
        if (rec.v) this.quarantines.set(rec.id, rec.v);
        else this.quarantines.delete(rec.id);
        return;
      case 'claim':
        if (rec.exp === null) this.claims.delete(rec.k);
        else this.claims.set(rec.k, rec.exp);
        if (this.claims.size > this.nextClaimSweep) this.sweepClaims(Date.now());
        return;
      case 'key':
        this.apiKeys.set(rec.v.id, rec.v);
        return;
      case 'cat':
      case 'catseed':
        this.catalog.apply(rec);
        return;
      case 'audit':
        this.audit.add(rec.v);
        return;
      case 'ev':
        this.events.push(rec.v);
        return;
      case 'evfloor':
        this.events.raiseFloor(rec.id);
        return;
      case 'trej':
        this.toolRejections.apply(rec);
        return;
      case 'inc':
      case 'sil':
      case 'dlv':
        this.incidents.apply(rec);
        return;
    }
  }

  private sweepClaims(now: number): void {
    for (const [k, exp] of this.claims) if (exp <= now) this.claims.delete(k);
    this.nextClaimSweep = Math.max(1024, this.claims.size * 2);
  }

  private setAlert(stored: StoredAlert): void {
    const id = stored.alert.id;
    const prev = this.alerts.get(id);
    if (prev) {
      this.removeOrder({ score: alertScore(prev), id });
      this.dropOpenPointer(prev);
    }
    this.alerts.set(id, stored);
    this.insertOrder({ score: alertScore(stored), id });
    if (stored.status === 'open') this.openByDedupKey.set(stored.alert.dedupKey, id);
    else this.dropOpenPointer(stored);
    if (this.alerts.size > this.maxAlerts) this.evictOne();
  }

  private dropOpenPointer(stored: StoredAlert): void {
    if (this.openByDedupKey.get(stored.alert.dedupKey) === stored.alert.id) {
      this.openByDedupKey.delete(stored.alert.dedupKey);
    }
  }

  /** Keep the most recent alerts; resolved ones go first so open incidents are not forgotten. */
  private evictOne(): void {
    let idx = this.order.findIndex((o) => this.alerts.get(o.id)?.status !== 'open');
    if (idx < 0) idx = 0;
    const victim = this.order[idx];
    if (!victim) return;
    this.order.splice(idx, 1);
    const stored = this.alerts.get(victim.id);
    this.alerts.delete(victim.id);
    if (stored) this.dropOpenPointer(stored);
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

  private removeOrder(o: Ordered): void {
    const i = this.lowerBound(o);
    const at = this.order[i];
    if (at && at.id === o.id && at.score === o.score) this.order.splice(i, 1);
  }

  listAlerts(filter: AlertFilter | undefined, limit: number): StoredAlert[] {
    const out: StoredAlert[] = [];
    for (let i = this.order.length - 1; i >= 0 && out.length < limit; i--) {
      const stored = this.alerts.get(this.order[i]!.id);
      if (stored && matchesFilter(stored, filter)) out.push(stored);
    }
    return out;
  }

  /**
   * Every record needed to rebuild this state, as journal lines, in an order that replays to the
   * same state. Snapshot and baseline lines are spliced from their JSON text, not re-serialised.
   */
  dump(now: number): string[] {
    const lines: string[] = [];
    for (const [id, v] of this.servers) lines.push(JSON.stringify({ t: 'srv', id, v }));
    for (const [id, blob] of this.snapshots) lines.push(blobLine('snap', id, blob.json));
    for (const [id, blob] of this.baselines) lines.push(blobLine('base', id, blob.json));
    lines.push(...this.catalog.dump());
    const recs: FileRecord[] = [];
    for (const [id, v] of this.findings) recs.push({ t: 'find', id, v });
    for (const o of this.order) {
      const v = this.alerts.get(o.id);
      if (v) recs.push({ t: 'alert', v });
    }
    for (const [dk, id] of this.openByDedupKey) recs.push({ t: 'openptr', dk, id });
    for (const [id, v] of this.quarantines) recs.push({ t: 'q', id, v });
    for (const [k, exp] of this.claims) if (exp > now) recs.push({ t: 'claim', k, exp });
    for (const v of this.apiKeys.values()) recs.push({ t: 'key', v });
    recs.push(...this.toolRejections.dump());
    for (const v of this.audit.actions()) recs.push({ t: 'audit', v });
    recs.push({ t: 'evfloor', id: this.events.floor });
    for (const v of this.events.events()) recs.push({ t: 'ev', v });
    recs.push(...this.incidents.dump());
    for (const rec of recs) lines.push(JSON.stringify(rec));
    return lines;
  }
}

/**
 * A journal line for a snapshot or baseline whose JSON text is at hand. JSON.stringify output
 * never holds a raw newline, so the line stays one line; `seq` goes first like commit()'s.
 */
export function blobLine(t: 'snap' | 'base', id: string, json: string, seq?: number): string {
  const head = seq === undefined ? '' : `"s":${seq},`;
  return `{${head}"t":"${t}","id":${JSON.stringify(id)},"v":${json}}`;
}
