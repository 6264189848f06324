import type { DriftEvent } from '../events/event.js';

/**
 * The embedded store's live event log: the newest events in memory (bounded by count here, by age
 * when the store prunes), rebuilt from the journal on start. Ids are the journal sequence numbers
 * the events were written under, so they increase across restarts.
 */
export class EventRing {
  private items: DriftEvent[] = [];
  private head = 0;
  /** The highest id dropped from the ring (0: none): a reader behind it has missed events. */
  private dropped = 0;

  constructor(private readonly maxCount: number) {}

  get floor(): number {
    return this.dropped;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(event: DriftEvent): void {
    this.items.push(event);
    if (this.size > this.maxCount) this.dropHead();
  }

  /** Restores the floor written by compaction (events dropped before the state file was written). */
  raiseFloor(id: number): void {
    this.dropped = Math.max(this.dropped, id);
  }

  /** Drops events older than cutoffMs from the head; returns how many. */
  trimOlderThan(cutoffMs: number): number {
    let n = 0;
    for (;;) {
      const first = this.items[this.head];
      if (!first || !(Date.parse(first.time) < cutoffMs)) return n;
      this.dropHead();
      n++;
    }
  }

  private dropHead(): void {
    const first = this.items[this.head];
    if (!first) return;
    this.dropped = Math.max(this.dropped, Number(first.id));
    this.head++;
    // Compact once half the array is dead space, so pushes stay O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Up to `limit` events with id > afterId, oldest first. */
  after(afterId: number, limit: number): DriftEvent[] {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.items[mid]!.id) <= afterId) lo = mid + 1;
      else hi = mid;
    }
    return this.items.slice(lo, lo + limit);
  }

  /** Oldest first, for compaction. */
  *events(): IterableIterator<DriftEvent> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
