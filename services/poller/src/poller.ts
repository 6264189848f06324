import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { jitterOffsetMs, slotOf, TOPICS, type DriftwatchConfig, type ServerConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { probeServer, type ProbeOptions, type ProbeResult } from '@driftwatch/probe';
import { toSnapshotMessage } from './snapshot-message.js';

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
 * from polling the same server in the same slot.
 */
export function createPoller(options: PollerOptions): Poller {
  const { config, bus, store, logger, metrics, instanceId } = options;
  const probe = options.probe ?? probeServer;
  const now = options.now ?? Date.now;
  const maxConcurrent = options.maxConcurrentProbes ?? 8;
  const lastSlot = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
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
    await bus.publish(TOPICS.snapshots, server.id, message);
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

  async function tick(): Promise<void> {
    const t = now();
    for (const server of config.servers) {
      if (closing) return;
      const intervalMs = server.interval * 1000;
      const slot = slotOf(t, intervalMs, jitterOffsetMs(server.id, intervalMs));
      if (lastSlot.get(server.id) === slot) continue;
      if (inFlight.has(server.id)) {
        metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'in_flight' });
        lastSlot.set(server.id, slot);
        continue;
      }
      if (inFlight.size >= maxConcurrent) break; // try again next tick, same slot
      lastSlot.set(server.id, slot);
      let leased: boolean;
      try {
        leased = await store.acquireLease(`poll:${server.id}:${slot}`, instanceId, intervalMs);
      } catch (err) {
        logger.error({ serverId: server.id, err }, 'lease check failed; skipping this slot');
        metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'lease_error' });
        continue;
      }
      if (!leased) {
        metrics.pollsSkippedTotal.inc({ server: server.id, reason: 'lease_held' });
        continue;
      }
      void run(server, `${server.id}@${slot}`);
    }
  }

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        '* * * * * *',
        () => tick().catch((err: unknown) => logger.error({ err }, 'poll tick failed')),
        { name: 'driftwatch-poll-tick', noOverlap: true, logger: cronLogger(logger) },
      );
      logger.info({ servers: config.servers.length, instanceId }, 'poller started');
      void tick();
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
