import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { claimDelayMs, jitterOffsetMs, slotOf, TOPICS, type DriftwatchConfig, type ServerConfig } from '@driftwatch/core';
import { BusPublishError, type BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { probeServer, type ProbeOptions, type ProbeResult } from '@driftwatch/probe';
import { toSnapshotMessage } from './snapshot-message.js';

/** Upper bound of the per-replica claim delay (see claimDelayMs); also capped at a quarter interval. */
const MAX_CLAIM_DELAY_MS = 250;

export interface PollerOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  /** Lease owner; distinct per replica. */
  instanceId: string;
  /** At most this many probes at once (default 8); further due servers wait for the next tick. */
  maxConcurrentProbes?: number;
  /** For tests: a fake probe or clock. */
  probe?: (server: ServerConfig, options: ProbeOptions) => Promise<ProbeResult>;
  now?: () => number;
}

export interface Poller {
  start(): void;
  /** Polls one server now, outside the schedule (no lease). Resolves when its message is published. */
  pollNow(serverId: string): Promise<void>;
  /** Stops scheduling and waits for in-flight polls to publish. */
  close(): Promise<void>;
  isReady(): boolean;
}

/**
 * One node-cron tick per second drives every server's own schedule: a server is due when the
 * clock enters a new slot of its interval, shifted by its jitter offset (see core/schedule.ts).
 * A server never has two polls in flight, and a Redis lease on (server, slot) keeps replicas
 * from polling the same server in the same slot; a small per-replica claim delay shares the
 * fleet between replicas instead of letting the fastest one take it all.
 */
export function createPoller(options: PollerOptions): Poller {
  const { config, bus, store, logger, metrics, instanceId } = options;
  const probe = options.probe ?? probeServer;
  const now = options.now ?? Date.now;
  const maxConcurrent = options.maxConcurrentProbes ?? 8;
  const lastSlot = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  const pendingClaims = new Set<NodeJS.Timeout>();
  let task: ScheduledTask | undefined;
  let closing = false;

  async function poll(server: ServerConfig, pollId: string): Promise<void> {
    const log = logger.child({ serverId: server.id, pollId });
    const started = performance.now();
    const result = await probe(server, { timeoutMs: server.timeout * 1000, logger: log });
    const seconds = (performance.now() - started) / 1000;
    metrics.pollDurationSeconds.observe({ server: server.id }, seconds);
    metrics.pollsTotal.inc({ server: server.id, outcome: result.ok ? 'ok' : 'failure' });
    if (!result.ok) {
      metrics.pollErrorsTotal.inc({ server: server.id, code: result.code });
      log.warn({ code: result.code, reason: result.reason }, 'probe failed');
    } else {
      log.debug({ tools: result.observation.tools.length, ms: Math.round(seconds * 1000) }, 'probe ok');
    }
    const message = toSnapshotMessage(server, pollId, result, new Date(now()));
    try {
      await bus.publish(TOPICS.snapshots, server.id, message);
    } catch (err) {
      if (!(err instanceof BusPublishError) || message.type !== 'snapshot') throw err;
      // The bus refused the snapshot itself (too large, too deep): that is the server's doing and
      // must show as a failed probe, not vanish as a publish error.
      log.warn({ err: err.message }, 'snapshot refused by the bus; reporting a probe failure');
      metrics.pollErrorsTotal.inc({ server: server.id, code: 'too_large' });
      await bus.publish(TOPICS.snapshots, server.id, {
        ...toSnapshotMessage(server, pollId, { ok: false, code: 'too_large', reason: `snapshot refused: ${err.message}`, timings: result.ok ? result.timings : {} }, new Date(now())),
      });
    }
    metrics.snapshotsPublishedTotal.inc({ server: server.id });
  }

  function run(server: ServerConfig, pollId: string): Promise<void> {
    const p = poll(server, pollId)
      .catch((err: unknown) => {
        // A publish failure loses this poll only; the next slot polls again.
        metrics.pollErrorsTotal.inc({ server: server.id, code: 'publish_failed' });
        logger.error({ serverId: server.id, pollId, err }, 'poll could not be published');
      })
      .finally(() => inFlight.delete(server.id));
    inFlight.set(server.id, p);
    return p;
  }

  /** Each tick finds the servers whose slot just began and schedules a lease claim for each. */
  function tick(): void {
    const t = now();
    for (const server of config.servers) {
      if (closing) return;
      const intervalMs = server.interval * 1000;
      const slot = slotOf(t, intervalMs, jitterOffsetMs(server.id, intervalMs));
      if (lastSlot.get(server.id) === slot) continue;
      lastSlot.set(server.id, slot);
      const delay = claimDelayMs(instanceId, server.id, slot, Math.min(MAX_CLAIM_DELAY_MS, intervalMs / 4));
      const timer = setTimeout(() => {
        pendingClaims.delete(timer);
        claim(server, slot).catch((err: unknown) => logger.error({ serverId: server.id, err }, 'poll claim failed'));
      }, delay);
      pendingClaims.add(timer);
    }
  }

  async function claim(server: ServerConfig, slot: number): Promise<void> {
    if (closing) return;
    if (inFlight.has(server.id)) {
      metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'in_flight' });
      return;
    }
    if (inFlight.size >= maxConcurrent) {
      // Saturated: forget the slot so the next tick tries this server again.
      lastSlot.delete(server.id);
      return;
    }
    let leased: boolean;
    try {
      leased = await store.acquireLease(`poll:${server.id}:${slot}`, instanceId, server.interval * 1000);
    } catch (err) {
      logger.error({ serverId: server.id, err }, 'lease check failed; skipping this slot');
      metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'lease_error' });
      return;
    }
    if (!leased) {
      metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'lease_held' });
      return;
    }
    if (closing || inFlight.has(server.id)) return;
    void run(server, `${server.id}@${slot}`);
  }

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        '* * * * * *',
        () => tick(),
        { name: 'driftwatch-poll-tick', noOverlap: true, logger: cronLogger(logger) },
      );
      logger.info({ servers: config.servers.length, instanceId }, 'poller started');
      tick();
    },
    async pollNow(serverId) {
      const server = config.servers.find((s) => s.id === serverId);
      if (!server) throw new Error(`unknown server ${serverId}`);
      const existing = inFlight.get(serverId);
      if (existing) return existing;
      return run(server, `${server.id}@manual-${now()}`);
    },
    async close() {
      closing = true;
      await task?.stop();
      await task?.destroy();
      task = undefined;
      for (const timer of pendingClaims) clearTimeout(timer);
      pendingClaims.clear();
      await Promise.allSettled([...inFlight.values()]);
      logger.info('poller stopped');
    },
    isReady() {
      return !closing;
    },
  };
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
