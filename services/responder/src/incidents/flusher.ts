import { planFlush, pokeIncident, settle, type IncidentRecord, type Links } from '@driftwatch/core';
import { updateIncident } from '@driftwatch/store';
import type { StageContext } from '../context.js';
import { flapOf, reconcileIncidents } from '../stages/incident.js';
import { flushContext } from './flush-context.js';
import { materializeOutbox } from './materialize.js';

export interface FlusherOptions {
  ctx: StageContext;
  links: Links;
  /** Delivery records were created. */
  onDeliveries: () => void;
  /** How often incidents with work left are looked at besides their timers. Default 5 s. */
  sweepMs?: number;
  /**
   * How often open incidents are checked against alerts resolved elsewhere, besides the approve
   * actions that trigger it at once. Default 60 s.
   */
  reconcileMs?: number;
}

export interface IncidentFlusher {
  start(): Promise<void>;
  /** Something changed in this incident: evaluate it (now if due, else at its planned time). */
  wake(incidentId: string): void;
  /** Looks at every incident with work left (after a restart, a missed timer, another replica's write). */
  sweep(): Promise<void>;
  /** Alerts of this server may have been resolved outside the alert stream (an approval). */
  reconcile(serverId?: string): Promise<void>;
  /**
   * A silence or a quarantine changed: re-evaluate the open incidents (of one server, or all)
   * at their next allowed time, so that an alert muted until now can notify.
   */
  poke(serverId?: string): Promise<void>;
  /** Resolves once nothing is being evaluated (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/**
 * Plans notifications for incidents off the alert consumer's path: a timer per incident at its
 * `nextFlushAt` (group_wait, group_interval, repeat_interval, flap and silence checks), a periodic
 * sweep so that nothing depends on a timer surviving a restart, and the outbox → delivery step.
 */
export function createIncidentFlusher(options: FlusherOptions): IncidentFlusher {
  const { ctx, links } = options;
  const { store, logger } = ctx;
  const sweepMs = options.sweepMs ?? 5_000;
  const reconcileMs = options.reconcileMs ?? 60_000;
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let lastReconcile = 0;
  let closed = false;

  function schedule(rec: IncidentRecord): void {
    const at = rec.outbox.length ? Date.now() : rec.notify.nextFlushAt ? Date.parse(rec.notify.nextFlushAt) : Number.NaN;
    const existing = timers.get(rec.id);
    if (!Number.isFinite(at)) {
      if (existing) clearTimeout(existing.timer);
      timers.delete(rec.id);
      return;
    }
    if (existing?.at === at) return;
    if (existing) clearTimeout(existing.timer);
    // ctx.now() may be a test clock: the delay is measured on it, the timer on the real one.
    const delay = Math.max(0, at - ctx.now().getTime());
    const timer = setTimeout(() => {
      timers.delete(rec.id);
      wake(rec.id);
    }, Math.min(delay, 2 ** 31 - 1));
    timer.unref();
    timers.set(rec.id, { at, timer });
  }

  function wake(id: string): void {
    if (closed) return;
    if (running.has(id)) {
      again.add(id);
      return;
    }
    const p = (async () => {
      do {
        again.delete(id);
        try {
          await evaluate(id);
        } catch (err) {
          logger.error({ incidentId: id, err: errorText(err) }, 'incident evaluation failed; the sweep will retry');
        }
      } while (again.has(id) && !closed);
    })().finally(() => running.delete(id));
    running.set(id, p);
  }

  async function evaluate(id: string): Promise<void> {
    let rec = await store.getIncident(id);
    if (!rec) return;
    const now = ctx.now();
    const due = rec.notify.nextFlushAt !== undefined && Date.parse(rec.notify.nextFlushAt) <= now.getTime();
    if (due || settle(rec, flapOf(ctx.policy), now) !== rec) {
      const fctx = await flushContext(ctx, rec);
      const res = await updateIncident(store, id, (cur) => planFlush(cur, fctx, ctx.now()));
      if (!res) return;
      rec = res.after;
    }
    if (rec.outbox.length) {
      const created = await materializeOutbox(store, rec, links, ctx.now());
      if (created) options.onDeliveries();
      rec = (await store.getIncident(id)) ?? rec;
    }
    schedule(rec);
  }

  async function sweep(): Promise<void> {
    try {
      const live = await store.listIncidentsNeedingAttention(1000);
      if (Date.now() - lastReconcile >= reconcileMs) {
        lastReconcile = Date.now();
        for (const id of await reconcileIncidents(ctx, live)) wake(id);
      }
      const t = ctx.now().getTime();
      for (const rec of live) {
        const due = rec.outbox.length > 0 || (rec.notify.nextFlushAt !== undefined && Date.parse(rec.notify.nextFlushAt) <= t);
        if (due) wake(rec.id);
        else schedule(rec);
      }
    } catch (err) {
      logger.error({ err: errorText(err) }, 'incident sweep failed; will retry');
    }
  }

  return {
    async start() {
      sweepTimer = setInterval(() => void sweep(), sweepMs);
      sweepTimer.unref();
      lastReconcile = 0;
      await sweep();
    },
    wake,
    sweep,
    async reconcile(serverId) {
      const live = await store.listIncidents({ status: 'active', limit: 500, ...(serverId ? { serverId } : {}) });
      for (const id of await reconcileIncidents(ctx, live)) wake(id);
    },
    async poke(serverId) {
      const live = await store.listIncidents({ status: 'active', limit: 500, ...(serverId ? { serverId } : {}) });
      for (const r of live) {
        const res = await updateIncident(store, r.id, (cur) => pokeIncident(cur, ctx.now()));
        if (res) wake(r.id);
      }
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running.values()]);
    },
    async close() {
      closed = true;
      clearInterval(sweepTimer);
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running.values()]);
    },
  };
}
