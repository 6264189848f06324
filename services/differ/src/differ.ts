import type { Logger } from 'pino';
import {
  evaluateSnapshot,
  RULES,
  makeBaseline,
  scanObservation,
  applyTuning,
  SnapshotMessage,
  TOPICS,
  type Baseline,
  type DriftwatchConfig,
  type RuleText,
  type Snapshot,
  type ProbeFailure,
  type SuppressedFinding,
  type Finding,
  stableId,
  makeAction,
} from '@driftwatch/core';

const SUPPRESSION_TTL_MS = 365 * 24 * 3600 * 1000;
import type { BusMessage, BusPort, Subscription } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import type { DriftwatchMetrics } from '@driftwatch/runtime';
import { ToolNameIndex } from './tool-index.js';

export interface DifferOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  groupId?: string;
  now?: () => Date;
  /**
   * The bus does not survive a restart (embedded mode): forget open findings whose alert the
   * responder never recorded, so the next snapshot raises them again instead of never.
   */
  reconcileOnStart?: boolean;
}

export interface Differ {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
}

const ruleText = new Map<string, RuleText>(RULES.map((r) => [r.id, r]));

/** consume snapshots → evaluate against the baseline → publish alerts (and TOFU baselines). */
export function createDiffer(options: DifferOptions): Differ {
  const { config, bus, store, logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const servers = new Map(config.servers.map((s) => [s.id, s]));
  const toolIndex = new ToolNameIndex(store, [...servers.keys()]);
  const recordedSuppressions = new Set<string>();
  const scanCache = new Map<string, { fingerprint: string; indexVersion: number; findings: Finding[] }>();
  let subscription: Subscription | undefined;

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
   * The fast path: an unchanged snapshot (same fingerprint, same tool names elsewhere in the
   * catalog) has the same content findings, so the rules run only when something changed.
   */
  async function contentFindings(snapshot: Snapshot): Promise<Finding[]> {
    toolIndex.record(snapshot.serverId, snapshot.tools.map((t) => t.name));
    const others = await toolIndex.others(snapshot.serverId);
    const cached = scanCache.get(snapshot.serverId);
    if (cached && cached.fingerprint === snapshot.fingerprints.snapshot && cached.indexVersion === toolIndex.version) return cached.findings;
    const findings = scanObservation(snapshot, { serverId: snapshot.serverId, otherServers: others });
    scanCache.set(snapshot.serverId, { fingerprint: snapshot.fingerprints.snapshot, indexVersion: toolIndex.version, findings });
    return findings;
  }

  async function handle({ value: message }: BusMessage<Snapshot | ProbeFailure>): Promise<void> {
    const server = servers.get(message.serverId);
    if (!server) {
      // Not in this catalog (stale message or another deployment's): nothing to compare with.
      metrics.snapshotsProcessedTotal.inc({ outcome: 'unknown_server' });
      logger.warn({ serverId: message.serverId }, 'snapshot for a server not in the catalog; ignored');
      return;
    }
    const [baseline, open] = await Promise.all([store.getBaseline(server.id), store.getOpenFindings(server.id)]);
    const findings = message.type === 'snapshot' ? await contentFindings(message) : [];
    const { kept, suppressed } = applyTuning(findings, config.rules ?? {}, server.id);
    for (const s of suppressed) await recordSuppression(server.id, s, message.pollId);
    const evaluation = evaluateSnapshot({
      message,
      baseline: baseline?.snapshot ?? null,
      open,
      approvalRequired: server.approval === 'required',
      ...(server.models?.pinned ? { pinnedModels: server.models.pinned } : {}),
      contentFindings: kept,
      explainRule: (id) => ruleText.get(id),
      now: now().toISOString(),
    });

    // Publish before recording: a crash in between re-publishes the same (deterministic) alert
    // ids on redelivery, which the responder dedupes; the reverse order could lose an alert.
    if (message.type === 'snapshot') {
      await store.putLatestSnapshot(message);
      if (evaluation.adoptAsBaseline) {
        const b: Baseline = makeBaseline(message, { origin: 'tofu', approvedBy: 'tofu', reason: 'first sight (trust on first use)', now: now() });
        await store.putBaseline(b);
        await bus.publish(TOPICS.baselines, server.id, b);
      }
    }
    for (const alert of [...evaluation.triggers, ...evaluation.resolves]) {
      await bus.publish(TOPICS.alerts, server.id, alert);
      if (alert.action === 'trigger') metrics.alertsTotal.inc({ kind: alert.kind, severity: alert.severity });
    }
    await store.putOpenFindings(server.id, evaluation.open);
    await store.updateServerState(server.id, evaluation.statePatch);
    metrics.snapshotsProcessedTotal.inc({
      outcome: message.type === 'probe_failure' ? 'failure' : evaluation.changes.length ? 'drift' : 'unchanged',
    });
    if (evaluation.triggers.length) {
      logger.info({ serverId: server.id, alerts: evaluation.triggers.map((a) => `${a.kind}:${a.subject}`) }, 'alerts raised');
    }
  }

  async function reconcile(): Promise<void> {
    let forgotten = 0;
    for (const id of servers.keys()) {
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

  return {
    async start() {
      if (options.reconcileOnStart) await reconcile();
      subscription = await bus.subscribe({
        groupId: options.groupId ?? 'driftwatch-differ',
        topic: TOPICS.snapshots,
        decode: (v) => SnapshotMessage.parse(v),
        handler: handle,
      });
      logger.info('differ started');
    },
    async close() {
      await subscription?.close();
      subscription = undefined;
      logger.info('differ stopped');
    },
    isReady() {
      return subscription !== undefined;
    },
  };
}
