import type { Logger } from 'pino';
import { CatalogMessage, sameEntry, TOPICS, type CatalogChange, type CatalogEntry, type CatalogReader } from '@driftwatch/core';
import type { BusMessage, BusPort, Subscription } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

/** How often a view re-reads the whole catalog from the store, in case a message was lost. */
const DEFAULT_RESYNC_MS = 30_000;

export interface CatalogViewOptions {
  store: StatePort;
  bus: BusPort;
  logger: Logger;
  /**
   * This view's consumer group. Unique per view (per process): every view must see every change,
   * so views never share a group. With Kafka the group reads the compacted topic from its start.
   */
  groupId: string;
  /** Full re-read from the store; default 30 s. */
  resyncMs?: number;
  /**
   * Awaited before each periodic re-read: distributed mode rebuilds a lost store from Kafka here,
   * so that an emptied Redis reads as "rebuild first", never as "every server was removed" (which
   * would stop polling the fleet and drop its alerts). A throw skips that re-read.
   */
  beforeResync?: () => Promise<void>;
}

/** The live catalog of one process: what every role reads instead of `config.servers`. */
export interface CatalogView extends CatalogReader {
  /** Loads the catalog from the store, then follows `mcp.catalog.v1`. */
  start(): Promise<void>;
  /** Re-reads the whole catalog from the store and applies the difference now. */
  refresh(): Promise<void>;
  /** Stops following the topic. Memoised. */
  close(): Promise<void>;
  isReady(): boolean;
}

/**
 * Initial load from the store, then changes from `mcp.catalog.v1` (compacted, key = server id),
 * emitted as added / changed / removed.
 *
 * A message is a notice that one server changed; the view then reads that server from the store,
 * which writers update before they publish (see writer.ts). So replaying the topic from its start
 * — older versions, a removal that was later undone, records compaction has not yet folded —
 * never makes a view go back in time: whatever the message said, the view applies what the store
 * holds now. Reads and applies run one at a time, so a full resync cannot interleave with a
 * per-server read and apply an older copy after a newer one.
 */
export function createCatalogView(options: CatalogViewOptions): CatalogView {
  const { store, bus } = options;
  const log = options.logger.child({ component: 'catalog' });
  const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
  const entries = new Map<string, CatalogEntry>();
  let sorted: CatalogEntry[] | undefined;
  const listeners = new Set<(change: CatalogChange) => void>();
  let subscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs store reads and their applies one at a time, in call order. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  }

  function emit(change: CatalogChange): void {
    log.info({ serverId: change.id, change: change.type }, 'catalog changed');
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        // One consumer's bug must not stop the others from seeing the change.
        log.error({ serverId: change.id, change: change.type, err }, 'catalog listener failed');
      }
    }
  }

  function apply(id: string, next: CatalogEntry | null): void {
    const previous = entries.get(id);
    if (!next) {
      if (!previous) return;
      entries.delete(id);
      sorted = undefined;
      emit({ type: 'removed', id, previous });
      return;
    }
    if (previous && sameEntry(previous, next)) return;
    entries.set(id, next);
    sorted = undefined;
    emit(previous ? { type: 'changed', id, entry: next, previous } : { type: 'added', id, entry: next });
  }

  const refresh = () =>
    serial(async () => {
      const all = await store.listCatalog();
      const seen = new Set<string>();
      for (const entry of all) {
        seen.add(entry.id);
        apply(entry.id, entry);
      }
      for (const id of [...entries.keys()]) if (!seen.has(id)) apply(id, null);
    });

  async function onMessage(message: BusMessage<CatalogMessage | null>): Promise<void> {
    if (closing) return;
    await serial(async () => apply(message.key, await store.getCatalogEntry(message.key)));
  }

  return {
    list() {
      sorted ??= [...entries.keys()].sort().map((id) => entries.get(id)!);
      return sorted;
    },
    get: (id) => entries.get(id),
    has: (id) => entries.has(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      if (started || closing) return;
      started = true;
      await refresh();
      subscription = await bus.subscribe<CatalogMessage | null>({
        groupId: options.groupId,
        topic: TOPICS.catalog,
        fromBeginning: true,
        tombstones: true,
        decode: (v) => CatalogMessage.parse(v),
        handler: onMessage,
      });
      timer = setInterval(() => {
        (options.beforeResync?.() ?? Promise.resolve())
          .then(refresh)
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'catalog resync failed; will retry'));
      }, resyncMs);
      timer.unref();
      log.info({ servers: entries.size }, 'catalog view started');
    },
    refresh,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await subscription?.close();
        subscription = undefined;
        listeners.clear();
      })();
      return closing;
    },
    isReady: () => started && subscription !== undefined && !closing,
  };
}
