import type { Logger } from 'pino';
import {
  decisionPolicyOf,
  evaluateUnanalysable,
  IsoTime,
  makeAction,
  peekSnapshotHead,
  stableId,
  staticCatalog,
  TOPICS,
  type CatalogReader,
  type DriftwatchConfig,
  type OpenFinding,
  type ServerConfig,
  type ToolRejection,
  type SuppressedFinding,
} from '@driftwatch/core';
import { InvalidMessageError, rawSubscription, type BusMessage, type BusPort, type Subscription } from '@driftwatch/bus';
import type { JsonBlob, StatePort } from '@driftwatch/store';
import { WorkerTaskError, type DriftwatchMetrics } from '@driftwatch/runtime';
import { threadAnalyser, type Analyser } from './analysis/analyser.js';
import type { Analysed, AnalyseTask, ServerPolicy } from './analysis/task.js';
import { RepeatMemo } from './repeat.js';
import { ScanCache } from './scan-cache.js';
import { ToolNameIndex } from './tool-index.js';

const SUPPRESSION_TTL_MS = 365 * 24 * 3600 * 1000;

export interface DifferOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  groupId?: string;
  now?: () => Date;
  /** Where analyses run; default: a worker thread. The differ closes it. */
  analyser?: Analyser;
  /**
   * The bus does not survive a restart (embedded mode): forget open findings whose alert the
   * responder never recorded, so the next snapshot raises them again instead of never.
   */
  reconcileOnStart?: boolean;
  /** The living catalog; default: the config's servers, fixed. */
  catalog?: CatalogReader;
  /**
   * Distributed mode: makes sure the store has not lost its baselines (rebuilding them from
   * Kafka if it has). Called before a snapshot with no baseline is trusted on first use, so a
   * Redis lost under a running differ never turns a rug pull into the baseline.
   */
  ensureState?: () => Promise<void>;
}

export interface Differ {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
}

function policyOf(server: ServerConfig): ServerPolicy {
  return { id: server.id, ...decisionPolicyOf(server) };
}

/**
 * consume snapshots → analyse (decode, content rules, diff against the baseline: on a worker
 * thread) → record and publish alerts, TOFU baselines and state. The event loop only moves
 * text and small results; what a server sent is never parsed here.
 */
export function createDiffer(options: DifferOptions): Differ {
  const { config, bus, store, logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const servers = options.catalog ?? staticCatalog(config.servers);
  const analyser = options.analyser ?? threadAnalyser({ logger: logger.child({ component: 'analysis' }) });
  const scanCache = new ScanCache();
  const toolIndex = new ToolNameIndex(store, analyser, () => servers.list().map((s) => s.id), (keys) => scanCache.invalidate(keys));
  const recordedSuppressions = new Set<string>();
  const repeats = new RepeatMemo();
  /**
   * Servers this differ has analysed a snapshot of: their next snapshots are cheap (the fast path,
   * or one changed tool) and may be a rug pull, so the in-process bus hands them out ahead of
   * first sights, which cost a full rule pass each and arrive by the thousand when a fleet starts.
   */
  const analysedOnce = new Set<string>();
  let subscription: Subscription | undefined;
  // A removed server's tools no longer shadow anyone's, and its cached scan is stale.
  const unsubscribe = servers.onChange((change) => {
    if (change.type === 'removed') toolIndex.forget(change.id);
    if (change.type !== 'added') scanCache.delete(change.id);
    if (change.type === 'removed') analysedOnce.delete(change.id);
    repeats.forget(change.id);
  });

  /**
   * Every suppression is audited once per (server, rule, field, text): an action on
   * mcp.actions.v1 and in the audit store, so a reviewer can see what tuning hid and why.
   */
  async function recordSuppression(serverId: string, { finding, rule }: SuppressedFinding, pollId: string): Promise<void> {
    const key = stableId('sup', serverId, finding.ruleId, finding.field, finding.evidence.excerpt);
    if (recordedSuppressions.has(key)) return;
    if (await store.claimOnce(`suppress:${key}`, SUPPRESSION_TTL_MS)) {
      const action = makeAction(
        {
          serverId,
          action: 'suppress',
          actor: 'rule-tuning',
          reason: rule.reason,
          time: now().toISOString(),
          details: { ruleId: finding.ruleId, field: finding.field, severity: finding.severity, excerpt: finding.evidence.excerpt, pollId, scope: rule },
        },
        [key],
      );
      await bus.publish(TOPICS.actions, serverId, action);
      await store.appendAudit(action);
      logger.info({ serverId, ruleId: finding.ruleId, field: finding.field, reason: rule.reason }, 'content finding suppressed by rule tuning');
    }
    recordedSuppressions.add(key);
  }

  /**
   * The analysis of one message. It carries the name-index ops the analysis thread may lack;
   * a thread further behind than that asks again, saying where it is.
   */
  async function analyse(message: BusMessage<Uint8Array>, server: ServerConfig, inputs: Inputs): Promise<Analysed | { invalid: string }> {
    let { open } = inputs;
    const { rejections } = inputs;
    let baseline = inputs.baselineFingerprint === null ? null : await store.getBaselineJson(server.id);
    // Replaced (an approval) since the inputs were read: this analysis is not the repeat's.
    if (baseline?.fingerprint !== (inputs.baselineFingerprint ?? undefined)) inputs.key = undefined;
    if (!baseline && options.ensureState) {
      // No baseline: trust on first use, unless the store lost it. Checked (one key) only here.
      await options.ensureState();
      [baseline, open] = await Promise.all([store.getBaselineJson(server.id), store.getOpenFindings(server.id)]);
      inputs.key = undefined;
    }
    const cache = scanCache.get(server.id);
    const task: AnalyseTask = {
      kind: 'analyse',
      bytes: message.value,
      key: message.key,
      server: policyOf(server),
      baseline,
      open,
      rejections: rejections.map((r) => ({ tool: r.tool, fingerprint: r.fingerprint })),
      tuning: config.rules ?? {},
      cache,
      index: await toolIndex.sync(),
      now: now().toISOString(),
    };
    let result = await analyser.analyse(task);
    if (!result.ok && 'needsIndex' in result) result = await analyser.analyse({ ...task, index: await toolIndex.sync(result.have) });
    if (result.ok) toolIndex.threadAt(result.indexAt);
    if (!result.ok) return { invalid: 'reason' in result ? result.reason : 'analysis failed' };
    return result;
  }

  async function handle(message: BusMessage<Uint8Array>): Promise<void> {
    // The store is written before the catalog topic: a snapshot of a server added a moment ago
    // can arrive before this process's view has the server, so ask the store before giving up.
    const server = servers.get(message.key) ?? (await store.getCatalogEntry(message.key)) ?? undefined;
    if (!server) {
      // Not in this catalog (stale message or another deployment's): nothing to compare with.
      metrics.snapshotsProcessedTotal.inc({ outcome: 'unknown_server' });
      logger.warn({ serverId: message.key }, 'snapshot for a server not in the catalog; ignored');
      return;
    }
    const inputs = await readInputs(server);
    if (await settledRepeat(message, server, inputs)) return;
    let result: Analysed | { invalid: string };
    try {
      result = await analyse(message, server, inputs);
    } catch (err) {
      if (!(err instanceof WorkerTaskError) || err.code !== 'timeout') throw err;
      // A message we cannot analyse within its budget fails closed: a high finding, not a pass.
      await failClosed(server, message, err.message);
      return;
    }
    if ('invalid' in result) {
      metrics.snapshotsProcessedTotal.inc({ outcome: 'invalid' });
      throw new InvalidMessageError(result.invalid);
    }
    await record(server, result);
    repeats.record(server.id, {
      evaluationKey: result.evaluationKey,
      fingerprint: result.snapshot?.fingerprint,
      inputs: inputs.key ?? '',
      quiet: inputs.key !== undefined && result.triggers.length === 0 && result.resolves.length === 0 && !result.baseline && JSON.stringify(result.open) === inputs.openJson,
      drifted: result.statePatch.drifted === true,
    });
  }

  /** What an analysis of a server's snapshot reads from the store, and their identity. */
  interface Inputs {
    baselineFingerprint: string | null;
    open: Record<string, OpenFinding>;
    rejections: ToolRejection[];
    openJson: string;
    /** Everything a repeat must find as it was; undefined once the inputs were re-read. */
    key: string | undefined;
  }

  /** The baseline's fingerprint only: a settled repeat never needs the baseline itself. */
  async function readInputs(server: ServerConfig): Promise<Inputs> {
    const [baselineFingerprint, open, rejections] = await Promise.all([
      store.getBaselineFingerprint(server.id),
      store.getOpenFindings(server.id),
      store.listToolRejections(server.id),
    ]);
    const openJson = JSON.stringify(open);
    const key = JSON.stringify([policyOf(server), baselineFingerprint, openJson, rejections.map((r) => [r.tool, r.fingerprint])]);
    return { baselineFingerprint, open, rejections, openJson, key };
  }

  /**
   * The fast path: a snapshot whose head shows the evaluation key of the last quiet analysis,
   * with the same inputs, is recorded as polled without being decoded (see RepeatMemo).
   */
  async function settledRepeat(message: BusMessage<Uint8Array>, server: ServerConfig, inputs: Inputs): Promise<boolean> {
    const head = peekSnapshotHead(message.value);
    if (!head || head.serverId !== message.key || inputs.key === undefined || !IsoTime.safeParse(head.time).success) return false;
    const patch = repeats.match(server.id, head, inputs.key, scanCache.fingerprintOf(server.id));
    if (!patch) return false;
    await store.updateServerState(server.id, patch);
    metrics.snapshotsProcessedTotal.inc({ outcome: 'unchanged' });
    return true;
  }

  /** Stores and publishes what an analysis decided. */
  async function record(server: ServerConfig, r: Analysed): Promise<void> {
    // The name index first: a snapshot of another server handled from the moment this one is
    // seen as polled must see its tools (the index lives in memory; a crash loses it either way).
    if (r.toolNames) toolIndex.record(server.id, r.toolNames, r.snapshot?.fingerprint);
    if (r.type === 'snapshot') analysedOnce.add(server.id);
    if (r.scan) cacheScan(server.id, r.scan);
    for (const s of r.suppressed) await recordSuppression(server.id, s, r.pollId);
    // Publish before recording: a crash in between re-publishes the same (deterministic) alert
    // ids on redelivery, which the responder dedupes; the reverse order could lose an alert.
    if (r.snapshot) {
      await store.putLatestSnapshotJson(server.id, r.snapshot);
      if (r.baseline) {
        await store.putBaselineJson(server.id, r.baseline);
        await bus.publishEncoded(TOPICS.baselines, server.id, r.baseline.json);
      }
    }
    for (const alert of [...r.triggers, ...r.resolves]) {
      await bus.publish(TOPICS.alerts, server.id, alert);
      if (alert.action === 'trigger') metrics.alertsTotal.inc({ kind: alert.kind, severity: alert.severity });
    }
    await store.putOpenFindings(server.id, r.open);
    await store.updateServerState(server.id, r.statePatch);
    metrics.snapshotsProcessedTotal.inc({ outcome: r.type === 'probe_failure' ? 'failure' : r.changeCount ? 'drift' : 'unchanged' });
    if (r.triggers.length) {
      logger.info({ serverId: server.id, alerts: r.triggers.map((a) => `${a.kind}:${a.subject}`) }, 'alerts raised');
    }
  }

  /** Caches a scan unless a name it read changed while it ran (another message's record). */
  function cacheScan(serverId: string, scan: NonNullable<Analysed['scan']>): void {
    const changed = toolIndex.keysChangedSince(scan.indexAt, serverId);
    if (changed === null || scan.keys.some((k) => changed.has(k))) {
      scanCache.delete(serverId);
      return;
    }
    scanCache.set(serverId, { fingerprint: scan.fingerprint, findings: scan.findings, ...(scan.units ? { units: scan.units } : {}) }, scan.keys);
  }

  async function failClosed(server: ServerConfig, message: BusMessage<Uint8Array>, why: string): Promise<void> {
    logger.error({ serverId: server.id, offset: message.offset, why }, 'snapshot could not be analysed in time; failing closed');
    const open = await store.getOpenFindings(server.id);
    const e = evaluateUnanalysable({ serverId: server.id, open, now: now().toISOString(), messageId: `${message.partition ?? 0}:${message.offset ?? '?'}:${message.value.byteLength}`, reason: why });
    for (const alert of e.triggers) {
      await bus.publish(TOPICS.alerts, server.id, alert);
      metrics.alertsTotal.inc({ kind: alert.kind, severity: alert.severity });
    }
    await store.putOpenFindings(server.id, e.open);
    metrics.snapshotsProcessedTotal.inc({ outcome: 'unanalysable' });
  }

  async function reconcile(): Promise<void> {
    let forgotten = 0;
    for (const { id } of servers.list()) {
      const open = await store.getOpenFindings(id);
      const kept: typeof open = {};
      for (const [key, finding] of Object.entries(open)) {
        if (await store.getAlert(finding.alertId)) kept[key] = finding;
        else forgotten++;
      }
      if (Object.keys(kept).length !== Object.keys(open).length) await store.putOpenFindings(id, kept);
    }
    if (forgotten) logger.warn({ forgotten }, 'open findings whose alerts were lost before a restart will be raised again');
  }

  let closed: Promise<void> | undefined;
  return {
    async start() {
      if (options.reconcileOnStart) await reconcile();
      subscription = await bus.subscribe(rawSubscription({ groupId: options.groupId ?? 'driftwatch-differ', topic: TOPICS.snapshots, handler: handle, urgent: (key) => analysedOnce.has(key) }));
      logger.info('differ started');
    },
    close() {
      closed ??= (async () => {
        unsubscribe();
        await subscription?.close();
        subscription = undefined;
        await analyser.close();
        logger.info('differ stopped');
      })();
      return closed;
    },
    isReady() {
      return subscription !== undefined;
    },
  };
}
