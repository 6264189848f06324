import type { Logger } from 'pino';
import {
  evaluateUnanalysable,
  makeAction,
  stableId,
  staticCatalog,
  TOPICS,
  type CatalogReader,
  type DriftwatchConfig,
  type ServerConfig,
  type SuppressedFinding,
} from '@driftwatch/core';
import { InvalidMessageError, rawSubscription, type BusMessage, type BusPort, type Subscription } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { WorkerTaskError, type DriftwatchMetrics } from '@driftwatch/runtime';
import { threadAnalyser, type Analyser } from './analysis/analyser.js';
import type { Analysed, AnalyseTask, ScanCacheEntry, ServerPolicy } from './analysis/task.js';
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
  return { id: server.id, approvalRequired: server.approval === 'required', ...(server.models?.pinned ? { pinnedModels: server.models.pinned } : {}) };
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
  const toolIndex = new ToolNameIndex(store, analyser, () => servers.list().map((s) => s.id));
  const recordedSuppressions = new Set<string>();
  const scanCache = new Map<string, ScanCacheEntry>();
  let subscription: Subscription | undefined;
  // A removed server's tools no longer shadow anyone's, and its cached scan is stale.
  const unsubscribe = servers.onChange((change) => {
    if (change.type === 'removed') toolIndex.forget(change.id);
    if (change.type !== 'added') scanCache.delete(change.id);
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
   * The analysis of one message. The cross-server index is sent only when the cached scan may
   * not hold; if the snapshot changed after all, the analysis asks again with it.
   */
  async function analyse(message: BusMessage<Uint8Array>, server: ServerConfig): Promise<Analysed | { invalid: string }> {
    let [baseline, open, rejections] = await Promise.all([
      store.getBaselineJson(server.id),
      store.getOpenFindings(server.id),
      store.listToolRejections(server.id),
    ]);
    if (!baseline && options.ensureState) {
      // No baseline: trust on first use, unless the store lost it. Checked (one key) only here.
      await options.ensureState();
      [baseline, open] = await Promise.all([store.getBaselineJson(server.id), store.getOpenFindings(server.id)]);
    }
    const cache = scanCache.get(server.id) ?? null;
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
      indexVersion: toolIndex.version,
      now: now().toISOString(),
    };
    if (!cache || cache.indexVersion !== toolIndex.version) task.others = await toolIndex.others(server.id);
    let result = await analyser.analyse(task);
    if (!result.ok && 'needsIndex' in result) result = await analyser.analyse({ ...task, others: await toolIndex.others(server.id) });
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
    let result: Analysed | { invalid: string };
    try {
      result = await analyse(message, server);
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
  }

  /** Stores and publishes what an analysis decided. */
  async function record(server: ServerConfig, r: Analysed): Promise<void> {
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
    if (r.toolNames) toolIndex.record(server.id, r.toolNames, r.snapshot?.fingerprint);
    if (r.scan) scanCache.set(server.id, r.scan);
    metrics.snapshotsProcessedTotal.inc({ outcome: r.type === 'probe_failure' ? 'failure' : r.changeCount ? 'drift' : 'unchanged' });
    if (r.triggers.length) {
      logger.info({ serverId: server.id, alerts: r.triggers.map((a) => `${a.kind}:${a.subject}`) }, 'alerts raised');
    }
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
      subscription = await bus.subscribe(rawSubscription({ groupId: options.groupId ?? 'driftwatch-differ', topic: TOPICS.snapshots, handler: handle }));
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
