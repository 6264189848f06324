import type { Logger } from 'pino';
import { Baseline, CatalogMessage, IncidentRecordSchema, QuarantineMessage, TOPICS } from '@driftwatch/core';
import type { CompactedState } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';

/**
 * The store's epoch marker: written once the store holds (or has been rebuilt with) what Kafka
 * keeps. Redis loses it with everything else, so "no marker" means "this store may have lost its
 * baselines and quarantines": they are read back from the compacted topics before any role acts.
 * A claim with a century's expiry is a set-if-absent key every StatePort already has.
 */
export const STATE_MARKER = 'state:epoch';
const MARKER_TTL_MS = 100 * 365 * 24 * 3600 * 1000;
const REBUILD_LEASE = 'state:rebuild';

export interface StateRecoveryOptions {
  store: StatePort;
  /** Reads compacted topics to their end (KafkaBus.readCompacted). */
  read: (topics: readonly string[]) => Promise<CompactedState>;
  logger: Logger;
  /** Lease owner: distinct per process. */
  instanceId: string;
  /** How long one process may hold the rebuild before another takes over (default 3 min). */
  leaseMs?: number;
  /** How long to wait for another process's rebuild before failing (default 5 min). */
  waitMs?: number;
}

export interface RecoveryResult {
  baselines: number;
  quarantines: number;
  /** Active incidents (mcp.incidents.v1): their alerts, and whether they were paged yet. */
  incidents: number;
  catalog: number;
  /** Records that did not validate (logged, not restored). */
  invalid: number;
  /** Keys the store already held (written after the loss: newer than the topic's). */
  kept: number;
  ms: number;
}

export interface StateRecovery {
  /**
   * Returns at once when the marker is there; otherwise rebuilds (one process, under a lease;
   * the others wait for its marker) and returns what was restored (null when another did it).
   * Concurrent calls share one run.
   */
  ensure(): Promise<RecoveryResult | null>;
  /** True when the last ensure() found or wrote the marker. */
  isRecovered(): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Rebuilds what the distributed store must not lose from Kafka: baselines (`mcp.baselines.v1`),
 * quarantines (`mcp.quarantines.v1`), active incidents (`mcp.incidents.v1`) and the catalog
 * (`mcp.catalog.v1`).
 * Every write is "only if the store has none": a value the store holds was written after the loss
 * (an approval, a quarantine) and is at least as new as the topic's, so a rebuild running beside
 * live traffic never turns anything back.
 */
export function createStateRecovery(options: StateRecoveryOptions): StateRecovery {
  const { store, logger } = options;
  const log = logger.child({ component: 'recovery' });
  const leaseMs = options.leaseMs ?? 180_000;
  const waitMs = options.waitMs ?? 300_000;
  let running: Promise<RecoveryResult | null> | undefined;
  let recovered = false;

  async function rebuild(): Promise<RecoveryResult> {
    const started = Date.now();
    // The catalog in both modes: with `catalog: api` the topic is its only other copy; with
    // `catalog: file` the file is written to the store only at start and on a change, so an emptied
    // store would read as an empty fleet.
    const topics = [TOPICS.baselines, TOPICS.quarantines, TOPICS.incidents, TOPICS.catalog];
    const state = await options.read(topics);
    const result: RecoveryResult = { baselines: 0, quarantines: 0, incidents: 0, catalog: 0, invalid: 0, kept: 0, ms: 0 };
    const parse = (topic: string, key: string, bytes: Buffer): unknown => {
      try {
        return JSON.parse(bytes.toString('utf8'));
      } catch {
        log.warn({ topic, key }, 'recovery: record is not JSON; skipped');
        return undefined;
      }
    };

    for (const [key, bytes] of state.get(TOPICS.baselines) ?? []) {
      if (!bytes) continue;
      const parsed = Baseline.safeParse(parse(TOPICS.baselines, key, bytes));
      if (!parsed.success || parsed.data.serverId !== key) {
        result.invalid++;
        log.warn({ topic: TOPICS.baselines, key }, 'recovery: baseline record does not validate; skipped');
        continue;
      }
      if (await store.getBaselineJson(key)) {
        result.kept++;
        continue;
      }
      // The record's own text: what was published is what the differ compares against.
      await store.putBaselineJson(key, { fingerprint: parsed.data.fingerprint, json: bytes.toString('utf8') });
      result.baselines++;
    }

    for (const [key, bytes] of state.get(TOPICS.quarantines) ?? []) {
      if (!bytes) continue;
      const parsed = QuarantineMessage.safeParse(parse(TOPICS.quarantines, key, bytes));
      if (!parsed.success || parsed.data.serverId !== key) {
        result.invalid++;
        log.warn({ topic: TOPICS.quarantines, key }, 'recovery: quarantine record does not validate; skipped');
        continue;
      }
      // Atomic set-if-absent: false when the server is already quarantined.
      if (await store.quarantine(key, parsed.data.quarantine)) result.quarantines++;
      else result.kept++;
    }

    for (const [key, bytes] of state.get(TOPICS.incidents) ?? []) {
      if (!bytes) continue;
      const parsed = IncidentRecordSchema.safeParse(parse(TOPICS.incidents, key, bytes));
      if (!parsed.success || parsed.data.id !== key) {
        result.invalid++;
        log.warn({ topic: TOPICS.incidents, key }, 'recovery: incident record does not validate; skipped');
        continue;
      }
      // Only if absent (and no other active incident holds its group key): one written since the
      // loss is newer. The store numbers it again from version 1.
      if (!(await store.getIncident(key)) && (await store.putIncident(parsed.data, 0))) result.incidents++;
      else result.kept++;
    }

    const entries = state.get(TOPICS.catalog) ?? new Map<string, Buffer | null>();
    for (const [key, bytes] of entries) {
      if (!bytes) continue;
      const parsed = CatalogMessage.safeParse(parse(TOPICS.catalog, key, bytes));
      if (!parsed.success || parsed.data.entry.id !== key) {
        result.invalid++;
        log.warn({ topic: TOPICS.catalog, key }, 'recovery: catalog record does not validate; skipped');
        continue;
      }
      if (await store.putCatalogEntry(parsed.data.entry, { onlyIfAbsent: true })) result.catalog++;
      else result.kept++;
    }
    // A catalog on the topic was seeded before: the file must not seed again (it would bring
    // back servers the API removed since).
    if (entries.size > 0) await store.markCatalogSeeded(new Date().toISOString());
    result.ms = Date.now() - started;
    return result;
  }

  async function run(): Promise<RecoveryResult | null> {
    if (await store.isClaimed(STATE_MARKER)) {
      recovered = true;
      return null;
    }
    recovered = false;
    const deadline = Date.now() + waitMs;
    let waiting = false;
    for (;;) {
      if (await store.acquireLease(REBUILD_LEASE, options.instanceId, leaseMs)) {
        log.warn('recovery: the store has no epoch marker (new or lost); rebuilding baselines and quarantines from Kafka before acting');
        const result = await rebuild();
        await store.claimOnce(STATE_MARKER, MARKER_TTL_MS);
        recovered = true;
        log.warn(result, 'recovery: store rebuilt from Kafka');
        return result;
      }
      if (!waiting) log.info('recovery: another process is rebuilding the store; waiting for it');
      waiting = true;
      await sleep(250);
      if (await store.isClaimed(STATE_MARKER)) {
        recovered = true;
        return null;
      }
      if (Date.now() > deadline) throw new Error(`recovery: the store was not rebuilt within ${waitMs} ms (another process holds the rebuild lease)`);
    }
  }

  return {
    ensure() {
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
    isRecovered: () => recovered,
  };
}
