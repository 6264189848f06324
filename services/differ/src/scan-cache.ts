import type { Finding } from '@driftwatch/core';

/** Content findings of a server's last scanned snapshot, valid until a key it read changes. */
export interface CachedScan {
  fingerprint: string;
  findings: Finding[];
  /** Per tool (by a digest of its JSON), for a snapshot where only some tools changed. */
  units?: ToolUnits;
}

/**
 * The last scan's findings per tool: `clean` lists the digests of tools without findings (most
 * of them; kept small), `flagged` the others. Valid for a snapshot with the same tool names
 * (`ownKey`), since a tool's findings also depend on its siblings' names.
 */
export interface ToolUnits {
  ownKey: string;
  clean: string[];
  flagged: Record<string, Finding[]>;
}

interface Holder {
  serverId: string;
  /** Bumped when the entry goes, so the postings that name the old one read as stale. */
  generation: number;
  keys: Uint32Array | null;
}

const GENERATION_SPAN = 0x10000;

/**
 * The scan cache, with the reverse map that makes invalidation proportional to what a change
 * touches: key → the servers whose cached scan read it. A changed tool name drops only the
 * scans that looked that name (or its skeleton or loose form) up, not every scan in the
 * catalog. Postings of dropped entries are removed lazily (a generation per server), and the
 * whole map is rebuilt once stale postings outnumber live ones.
 */
export class ScanCache {
  private readonly entries = new Map<string, CachedScan>();
  private readonly holders: Holder[] = [];
  private readonly slotOf = new Map<string, number>();
  /** key → packed (slot × GENERATION_SPAN + generation). */
  private readonly postings = new Map<number, number[]>();
  private livePostings = 0;
  private allPostings = 0;

  get size(): number {
    return this.entries.size;
  }

  /** The fingerprint of the cached scan, if any (the fast path's check: no copy). */
  fingerprintOf(serverId: string): string | undefined {
    return this.entries.get(serverId)?.fingerprint;
  }

  /** The cached scan with the keys it read (a rescan that reuses part of it keeps them). */
  get(serverId: string): (CachedScan & { keys: Uint32Array }) | null {
    const scan = this.entries.get(serverId);
    const keys = scan && this.holders[this.slotOf.get(serverId)!]?.keys;
    return scan && keys ? { ...scan, keys } : null;
  }

  /** Caches a scan that read `keys` (see core's recordLookups). */
  set(serverId: string, scan: CachedScan, keys: readonly number[]): void {
    this.delete(serverId);
    const holder = this.holder(serverId);
    holder.keys = Uint32Array.from(keys);
    this.entries.set(serverId, scan);
    const packed = this.slotOf.get(serverId)! * GENERATION_SPAN + holder.generation;
    for (const key of holder.keys) this.post(key, packed);
    this.livePostings += holder.keys.length;
    this.compactIfStale();
  }

  delete(serverId: string): void {
    if (!this.entries.delete(serverId)) return;
    const holder = this.holder(serverId);
    this.livePostings -= holder.keys?.length ?? 0;
    holder.keys = null;
    holder.generation = (holder.generation + 1) % GENERATION_SPAN;
  }

  /** Drops every cached scan that read one of `keys`; returns how many went. */
  invalidate(keys: readonly number[]): number {
    let dropped = 0;
    for (const key of keys) {
      const list = this.postings.get(key);
      if (!list) continue;
      this.postings.delete(key);
      this.allPostings -= list.length;
      for (const packed of list) {
        const holder = this.live(packed);
        if (holder && this.entries.has(holder.serverId)) {
          this.delete(holder.serverId);
          dropped++;
        }
      }
    }
    this.compactIfStale();
    return dropped;
  }

  private compactIfStale(): void {
    if (this.allPostings > 2 * this.livePostings + GENERATION_SPAN) this.rebuild();
  }

  private holder(serverId: string): Holder {
    let slot = this.slotOf.get(serverId);
    if (slot === undefined) {
      slot = this.holders.length;
      this.slotOf.set(serverId, slot);
      this.holders.push({ serverId, generation: 0, keys: null });
    }
    return this.holders[slot]!;
  }

  private live(packed: number): Holder | undefined {
    const holder = this.holders[Math.floor(packed / GENERATION_SPAN)];
    return holder && holder.keys !== null && holder.generation === packed % GENERATION_SPAN ? holder : undefined;
  }

  private post(key: number, packed: number): void {
    const list = this.postings.get(key);
    if (list) list.push(packed);
    else this.postings.set(key, [packed]);
    this.allPostings++;
  }

  private rebuild(): void {
    this.postings.clear();
    this.allPostings = 0;
    for (const [slot, holder] of this.holders.entries()) {
      if (!holder.keys) continue;
      const packed = slot * GENERATION_SPAN + holder.generation;
      for (const key of holder.keys) this.post(key, packed);
    }
  }
}
