import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import {
  backoffMs,
  claimDelayMs,
  jitterOffsetMs,
  slotOf,
  slotStartMs,
  staticCatalog,
  TOPICS,
  type CatalogChange,
  type CatalogEntry,
  type CatalogReader,
  type DriftwatchConfig,
  type ServerConfig,
} from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { packPoll, type HostedPoll, type ProbeOptions, type ProbeResult } from '@driftwatch/probe';
import { DueQueue, type DueJob } from './due-queue.js';
import { inlineRunner, threadRunner, type PollRunner } from './runner.js';
import { pollingChange } from './catalog-changes.js';

/** Upper bound of the per-replica claim delay (see claimDelayMs); also capped at a quarter interval. */
const MAX_CLAIM_DELAY_MS = 250;
/** Least time between two polls triggered by one server's list_changed notifications. */
const DEFAULT_CHANGED_MIN_GAP_MS = 5_000;
/** Longest a failing server waits between polls (see core's backoffMs). */
const DEFAULT_BACKOFF_CAP_MS = 5 * 60_000;
/**
 * A poll this large (serialised) or this slow (share of the server's timeout) marks the server
 * heavy: it waits in the probation lane and its polls run isolated from healthy servers' ones.
 */
const HEAVY_BYTES = 1024 * 1024;
const HEAVY_TIMEOUT_SHARE = 0.5;
/** Every server is first polled within this long after the poller starts (see spreadFirstPolls). */
const INITIAL_SPREAD_MS = 30_000;
/**
 * Shares of the bus's bound for waiting snapshots (see BusPort.pressure). Past the first, servers
 * this poller has never published a snapshot of wait (a first sight costs the differ a full rule
 * pass) while known servers are still polled: their snapshots are cheap to analyse and are where a
 * rug pull shows. Past the second, no poll starts, so the bus never drops a snapshot.
 */
const BACKPRESSURE_AT = 0.5;
const BACKPRESSURE_ALL_AT = 0.9;

export interface PollerOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  /** Lease owner; distinct per replica. */
  instanceId: string;
  /** Polls running at once; default: what the runner can hold. Must be an integer ≥ 1. */
  maxConcurrentProbes?: number;
  /** Where polls run; default: worker threads. The poller closes it. */
  runner?: PollRunner;
  /** For tests: a fake probe, run on this thread (shorthand for `runner: inlineRunner(probe)`). */
  probe?: (server: ServerConfig, options: ProbeOptions) => Promise<ProbeResult>;
  now?: () => number;
  /** Cap of the failure backoff; default 5 min. */
  backoffCapMs?: number;
  /**
   * Longest per-replica claim delay (see core's claimDelayMs); default 250 ms. A lone poller
   * (embedded mode) has no replica to share with and passes 0.
   */
  maxClaimDelayMs?: number;
  /**
   * The living catalog (entries with credential references unresolved); default: the config's
   * servers, fixed. Servers added, changed and removed there are scheduled, re-scheduled and
   * dropped while the poller runs.
   */
  catalog?: CatalogReader;
  /**
   * Turns a catalog entry into what the probe gets: references resolved where the probe runs
   * (see @driftwatch/catalog's resolveEntry). Default: the entry as it is (config servers are
   * resolved when the file is loaded). A failure is published as a `config_error` probe failure.
   */
  resolve?: (entry: CatalogEntry) => { ok: true; server: ServerConfig } | { ok: false; reason: string };
  /**
   * Least time between two polls a server's list_changed notifications trigger (kept stdio
   * servers); default 5 s. More notifications in between make one poll when the gap has passed.
   */
  changedMinGapMs?: number;
}

export interface Poller {
  /** Starts the schedule once the runner's threads are loaded. Resolves when ticking. */
  start(): Promise<void>;
  /** Polls one server now, outside the schedule (no lease). Resolves when its message is published. */
  pollNow(serverId: string): Promise<void>;
  /** Stops scheduling, aborts polls in flight (their servers are killed), closes the runner. Memoised. */
  close(): Promise<void>;
  isReady(): boolean;
}

interface Health {
  failures: number;
  /** The last poll was slow or large (see HEAVY_BYTES). */
  heavy: boolean;
  /** No scheduled poll before this time (ms), while backing off. */
  notBefore: number;
}

/**
 * One node-cron tick per second finds the servers whose slot just began (their interval, shifted
 * by a per-server jitter offset; see core/schedule.ts). A server never has two polls in flight,
 * and a lease on (server, slot) keeps replicas from polling one server in the same slot. Claimed
 * polls wait in a due-queue and start the moment a probe slot frees, not at the next tick; servers
 * that keep failing back off and share a capped part of the slots, so they cannot starve the rest.
 * Every poll that cannot run on time is counted in driftwatch_polls_skipped_total{reason}, and so
 * is every slot skipped because the snapshot consumers are behind (`backpressure`).
 */
export function createPoller(options: PollerOptions): Poller {
  const { config, bus, store, logger, metrics, instanceId } = options;
  const now = options.now ?? Date.now;
  const catalog = options.catalog ?? staticCatalog(config.servers);
  const resolve = options.resolve ?? ((entry: CatalogEntry) => ({ ok: true as const, server: entry as ServerConfig }));
  const runner = options.runner ?? (options.probe ? inlineRunner(options.probe) : threadRunner(logger));
  const maxConcurrent = options.maxConcurrentProbes ?? runner.capacity;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrentProbes must be an integer ≥ 1 (got ${maxConcurrent})`);
  }
  // Failing servers may hold at most half the slots (at least one, so they are still polled).
  const probationCap = Math.max(1, Math.floor(maxConcurrent / 2));
  const backoffCapMs = options.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS;
  const maxClaimDelay = options.maxClaimDelayMs ?? MAX_CLAIM_DELAY_MS;
  const lastSlot = new Map<string, number>();
  const health = new Map<string, Health>();
  const inFlight = new Map<string, { done: Promise<void>; abort: AbortController; probation: boolean }>();
  const queue = new DueQueue();
  /** Per server, the newest slot that began while its previous poll was still running. */
  const deferred = new Map<string, { slot: number; dueAt: number }>();
  const pendingClaims = new Set<NodeJS.Timeout>();
  let task: ScheduledTask | undefined;
  let closing: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let backpressured = false;
  /** Servers this poller has published a snapshot of (see BACKPRESSURE_AT). */
  const publishedOnce = new Set<string>();
  const changedMinGapMs = options.changedMinGapMs ?? DEFAULT_CHANGED_MIN_GAP_MS;
  /** Per server: when a notification last started a poll, and a poll owed once the gap or the running poll ends. */
  const changed = new Map<string, { at: number; owed: boolean; timer?: NodeJS.Timeout }>();
  let stopListening: (() => void) | undefined;

  const skip = (reason: string, serverId?: string) => {
    metrics.pollsSkippedTotal.inc({ reason });
    if (serverId !== undefined) logger.debug({ serverId, reason, running: [...inFlight.keys()], queued: queue.size }, 'poll skipped');
  };
  const onProbation = (id: string) => {
    const h = health.get(id);
    return h !== undefined && (h.failures > 0 || h.heavy);
  };
  const probationRunning = () => [...inFlight.values()].filter((f) => f.probation).length;

  async function poll(server: ServerConfig, pollId: string, abort: AbortController, probation: boolean): Promise<void> {
    const log = logger.child({ serverId: server.id, pollId });
    const started = performance.now();
    const resolved = resolve(server as CatalogEntry);
    const outcome: HostedPoll = resolved.ok
      ? await runner.poll({ server: resolved.server, pollId, now: now() }, abort.signal, { isolate: probation && !keptAndAnswering(server) })
      : { aborted: false, packed: packPoll(server, pollId, { ok: false, code: 'config_error', reason: resolved.reason, timings: {} }, new Date(now())) };
    if (outcome.aborted || abort.signal.aborted) {
      // Stopped by close(), or the server was removed or changed while it was polled: what this
      // poll saw is not to be published, and the server is not to blame.
      skip(abortReason(abort.signal));
      return;
    }
    const { summary, json } = outcome.packed;
    const seconds = (performance.now() - started) / 1000;
    const ok = summary.type === 'snapshot';
    metrics.pollDurationSeconds.observe(seconds);
    metrics.pollsTotal.inc({ outcome: ok ? 'ok' : 'failure' });
    recordHealth(server, ok, seconds * 1000 > server.timeout * 1000 * HEAVY_TIMEOUT_SHARE || summary.bytes > HEAVY_BYTES);
    if (!ok) {
      metrics.pollErrorsTotal.inc({ code: summary.code ?? 'internal' });
      // The reason is ours (fixed codes plus a sanitised message); the server's own text never is.
      log.warn({ code: summary.code, reason: summary.reason }, 'probe failed');
    } else {
      log.debug({ tools: summary.tools, ms: Math.round(seconds * 1000) }, 'probe ok');
    }
    await bus.publishEncoded(TOPICS.snapshots, server.id, json);
    publishedOnce.add(server.id);
    metrics.snapshotsPublishedTotal.inc();
  }

  /**
   * A kept stdio server whose last poll succeeded: slow only because its first poll started it,
   * it stays on the probe thread that holds its session (isolating it would start a second one).
   */
  function keptAndAnswering(server: ServerConfig): boolean {
    return server.transport === 'stdio' && server.keepConnected && (health.get(server.id)?.failures ?? 0) === 0;
  }

  function recordHealth(server: ServerConfig, ok: boolean, heavy: boolean): void {
    if (ok) {
      if (heavy) health.set(server.id, { failures: 0, heavy, notBefore: 0 });
      else health.delete(server.id);
      return;
    }
    const failures = (health.get(server.id)?.failures ?? 0) + 1;
    health.set(server.id, { failures, heavy, notBefore: now() + backoffMs(failures, server.interval * 1000, backoffCapMs) });
  }

  function run(server: ServerConfig, pollId: string, probation: boolean): Promise<void> {
    const abort = new AbortController();
    const done = poll(server, pollId, abort, probation)
      .catch((err: unknown) => {
        // A publish failure loses this poll only; the next slot polls again.
        metrics.pollErrorsTotal.inc({ code: 'publish_failed' });
        logger.error({ serverId: server.id, pollId, err }, 'poll could not be published');
      })
      .finally(() => {
        inFlight.delete(server.id);
        // A slot that began while this poll ran is polled now, late, rather than skipped.
        const next = deferred.get(server.id);
        deferred.delete(server.id);
        const current = catalog.get(server.id);
        if (next && current && !closing) {
          if (now() < next.dueAt + current.interval * 1000) {
            claim(current, next.slot, next.dueAt).catch((err: unknown) => logger.error({ serverId: server.id, err }, 'poll claim failed'));
          } else skip('in_flight', server.id);
        }
        // The server said its lists changed while this poll ran: what it listed may be older.
        if (changed.get(server.id)?.owed && !closing) onServerChanged(server.id, false);
        pump();
      });
    inFlight.set(server.id, { done, abort, probation });
    return done;
  }

  /** Starts due polls while probe slots are free. */
  function pump(): void {
    while (!closing && inFlight.size < maxConcurrent && queue.size > 0) {
      const picked = queue.next(probationRunning(), probationCap);
      if (!picked) return;
      const { job, probation } = picked;
      if (inFlight.has(job.server.id)) {
        skip('in_flight', job.server.id);
        continue;
      }
      // The definition as it is now: the server may have changed (or gone) while the job waited.
      const server = catalog.get(job.server.id);
      if (!server) {
        skip('removed', job.server.id);
        continue;
      }
      metrics.pollLagSeconds.observe(Math.max(0, now() - job.dueAt) / 1000);
      void run(server, job.pollId, probation);
    }
  }

  /**
   * At start every server's current slot has already begun: polling them all at once is a
   * thundering herd (hundreds of spawns in one second). The first polls are spread instead: a
   * server with an interval up to INITIAL_SPREAD_MS waits for its next (jittered) slot; a longer
   * one is polled in its current slot after a jittered delay under INITIAL_SPREAD_MS. Every
   * server is so polled within INITIAL_SPREAD_MS of the start.
   */
  function spreadFirstPolls(): void {
    const t = now();
    for (const server of catalog.list()) {
      const intervalMs = server.interval * 1000;
      const offset = jitterOffsetMs(server.id, intervalMs);
      const slot = slotOf(t, intervalMs, offset);
      lastSlot.set(server.id, slot);
      if (intervalMs <= INITIAL_SPREAD_MS) continue;
      const timer = setTimeout(() => {
        pendingClaims.delete(timer);
        claim(server, slot, t).catch((err: unknown) => logger.error({ serverId: server.id, err }, 'poll claim failed'));
      }, jitterOffsetMs(server.id, INITIAL_SPREAD_MS));
      pendingClaims.add(timer);
    }
  }

  /** Each tick finds the servers whose slot just began and schedules a lease claim for each. */
  function tick(): void {
    const t = now();
    for (const server of catalog.list()) {
      if (closing) return;
      const intervalMs = server.interval * 1000;
      const offset = jitterOffsetMs(server.id, intervalMs);
      const slot = slotOf(t, intervalMs, offset);
      if (lastSlot.get(server.id) === slot) continue;
      lastSlot.set(server.id, slot);
      const delay = claimDelayMs(instanceId, server.id, claimOrderSlot(server, slot), Math.min(maxClaimDelay, intervalMs / 4));
      const timer = setTimeout(() => {
        pendingClaims.delete(timer);
        claim(server, slot, slotStartMs(slot, intervalMs, offset)).catch((err: unknown) => logger.error({ serverId: server.id, err }, 'poll claim failed'));
      }, delay);
      pendingClaims.add(timer);
    }
  }

  async function claim(server: ServerConfig, slot: number, dueAt: number): Promise<void> {
    if (closing) return;
    if (!catalog.has(server.id)) {
      // Removed between the slot's start and its claim.
      skip('removed', server.id);
      return;
    }
    if (inFlight.has(server.id)) {
      // Never two polls of one server at once: this slot waits for the running poll, and an
      // older slot still waiting is dropped (counted).
      if (deferred.has(server.id)) skip('in_flight', server.id);
      deferred.set(server.id, { slot, dueAt });
      return;
    }
    const h = health.get(server.id);
    if (h && now() < h.notBefore) {
      skip('backoff', server.id);
      return;
    }
    // The differ is behind: a new poll now would only queue behind the backlog, and past the
    // bus's bound the oldest snapshots would be dropped. The slot is counted, not silently late.
    const pressure = bus.pressure?.(TOPICS.snapshots) ?? 0;
    const behind = pressure >= BACKPRESSURE_AT;
    if (behind !== backpressured) {
      if (behind) logger.warn({ pressure: Number(pressure.toFixed(2)) }, 'snapshot consumers are behind; first polls wait (and every poll past 90 %) until they catch up');
      else logger.info('snapshot consumers caught up; polling resumes');
      backpressured = behind;
    }
    if (pressure >= BACKPRESSURE_ALL_AT || (behind && !publishedOnce.has(server.id))) {
      skip('backpressure', server.id);
      return;
    }
    let leased: boolean;
    try {
      leased = await store.acquireLease(`poll:${server.id}:${slot}`, instanceId, server.interval * 1000);
    } catch (err) {
      logger.error({ serverId: server.id, err }, 'lease check failed; skipping this slot');
      skip('lease_error', server.id);
      return;
    }
    if (!leased) {
      skip('lease_held', server.id);
      return;
    }
    if (closing) return;
    const replaced = queue.push({ server, slot, pollId: `${server.id}@${slot}`, dueAt, deadline: dueAt + server.interval * 1000 }, onProbation(server.id));
    // Still waiting when its next slot began: that poll never ran on time.
    if (replaced) skip('late', server.id);
    pump();
  }

  /**
   * A kept server said one of its lists changed: poll it now, not at its next slot, so a rug
   * pull is seen in seconds whatever the interval. No lease: only the replica holding the
   * server's session hears it. At most one such poll per changedMinGapMs per server; what comes
   * in between (or while a poll runs) is owed one poll, when the gap or the poll ends.
   */
  function onServerChanged(serverId: string, heard = true): void {
    const server = catalog.get(serverId);
    if (closing || !server) return;
    const state = changed.get(serverId) ?? { at: -Infinity, owed: false };
    changed.set(serverId, state);
    // Already waiting for a probe slot: that poll will list what the server has now.
    if (queue.has(serverId) && !inFlight.has(serverId)) {
      if (heard) metrics.listChangedTotal.inc({ outcome: 'queued' });
      state.owed = false;
      return;
    }
    const wait = state.at + changedMinGapMs - now();
    if (inFlight.has(serverId) || wait > 0) {
      if (heard) metrics.listChangedTotal.inc({ outcome: state.owed ? 'coalesced' : 'owed' });
      state.owed = true;
      if (wait > 0 && !state.timer && !inFlight.has(serverId)) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          onServerChanged(serverId, false);
        }, wait);
      }
      return;
    }
    state.owed = false;
    state.at = now();
    if (heard) metrics.listChangedTotal.inc({ outcome: 'polled' });
    logger.debug({ serverId }, 'server said its lists changed; polling it now');
    // Deadline now: it goes ahead of scheduled polls, whose deadline is their next slot.
    queue.push({ server, slot: -1, pollId: `${server.id}@changed-${state.at}`, dueAt: state.at, deadline: state.at }, onProbation(serverId));
    pump();
  }

  /** Stops everything the poller holds for a server; a poll in flight is aborted and discarded. */
  function forget(serverId: string, reason: 'removed' | 'changed'): void {
    if (queue.remove(serverId)) skip(reason, serverId);
    deferred.delete(serverId);
    clearTimeout(changed.get(serverId)?.timer);
    changed.delete(serverId);
    health.delete(serverId);
    lastSlot.delete(serverId);
    if (reason === 'removed') publishedOnce.delete(serverId);
    inFlight.get(serverId)?.abort.abort(reason);
  }

  /** Polls a server in its current slot (after the replica's claim delay): a new or re-pointed server is seen at once. */
  function pollSoon(server: ServerConfig): void {
    const t = now();
    const intervalMs = server.interval * 1000;
    const slot = slotOf(t, intervalMs, jitterOffsetMs(server.id, intervalMs));
    lastSlot.set(server.id, slot);
    const delay = claimDelayMs(instanceId, server.id, claimOrderSlot(server, slot), Math.min(maxClaimDelay, intervalMs / 4));
    const timer = setTimeout(() => {
      pendingClaims.delete(timer);
      claim(server, slot, t).catch((err: unknown) => logger.error({ serverId: server.id, err }, 'poll claim failed'));
    }, delay);
    pendingClaims.add(timer);
  }

  /**
   * The living catalog changed. Added: polled at once (its current slot), then on its schedule.
   * Removed: dropped; a poll in flight is discarded, not published. Changed: see pollingChange —
   * a new way to reach the server discards the poll in flight and polls again at once; a new
   * interval takes effect from the next slot of the new schedule.
   */
  function onCatalogChange(change: CatalogChange): void {
    if (closing || !task) return;
    if (change.type === 'removed') {
      forget(change.id, 'removed');
      logger.info({ serverId: change.id }, 'server removed from the catalog; no longer polled');
      return;
    }
    if (change.type === 'added') {
      logger.info({ serverId: change.id, intervalSeconds: change.entry.interval }, 'server added to the catalog; polling it');
      pollSoon(change.entry);
      return;
    }
    const kind = pollingChange(change.previous, change.entry);
    if (kind === 'probe') {
      forget(change.id, 'changed');
      logger.info({ serverId: change.id }, 'server definition changed; polling it again');
      pollSoon(change.entry);
    } else if (kind === 'schedule') {
      const intervalMs = change.entry.interval * 1000;
      lastSlot.set(change.id, slotOf(now(), intervalMs, jitterOffsetMs(change.id, intervalMs)));
      logger.info({ serverId: change.id, intervalSeconds: change.entry.interval }, 'server re-scheduled');
    }
  }

  return {
    async start() {
      if (task || closing) return;
      await runner.ready();
      if (task || closing) return;
      task = cron.schedule('* * * * * *', () => tick(), { name: 'driftwatch-poll-tick', noOverlap: true, logger: cronLogger(logger) });
      logger.info({ servers: catalog.list().length, instanceId, maxConcurrentProbes: maxConcurrent }, 'poller started');
      spreadFirstPolls();
      unsubscribe = catalog.onChange(onCatalogChange);
      stopListening = runner.onChanged?.((serverId) => onServerChanged(serverId));
    },
    async pollNow(serverId) {
      const server = catalog.get(serverId);
      if (!server) throw new Error(`unknown server ${serverId}`);
      const existing = inFlight.get(serverId);
      if (existing) return existing.done;
      return run(server, `${server.id}@manual-${now()}`, false);
    },
    close() {
      closing ??= (async () => {
        unsubscribe?.();
        stopListening?.();
        for (const c of changed.values()) clearTimeout(c.timer);
        changed.clear();
        await task?.stop();
        await task?.destroy();
        task = undefined;
        for (const timer of pendingClaims) clearTimeout(timer);
        pendingClaims.clear();
        for (const _ of queue.drain()) skip('shutdown');
        deferred.clear();
        // Abort what runs: each probe kills its server and settles within its cleanup bound.
        for (const f of inFlight.values()) f.abort.abort();
        await Promise.allSettled([...inFlight.values()].map((f) => f.done));
        await runner.close();
        logger.info('poller stopped');
      })();
      return closing;
    },
    isReady() {
      return !closing;
    },
  };
}

/**
 * The slot a replica's claim delay is hashed with. A stdio server kept running between polls
 * lives on the replica that polled it: the same replica claims it first in every slot (another
 * only when that one is gone), instead of a new coin toss per slot that would keep a process of
 * it on every replica.
 */
function claimOrderSlot(server: ServerConfig, slot: number): number {
  return server.transport === 'stdio' && server.keepConnected ? 0 : slot;
}

/** Why a poll was aborted: the reason given to abort() (removed, changed), else shutdown. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'shutdown';
}

function cronLogger(logger: Logger) {
  const log = logger.child({ component: 'node-cron' });
  return {
    info: (m: string) => log.debug(m),
    warn: (m: string) => log.warn(m),
    error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, String(m)),
    debug: (m: string | Error) => log.debug(String(m)),
  };
}
