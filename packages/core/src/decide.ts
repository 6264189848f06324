import type { ServerConfig } from './config.js';
import type { ProbeFailure, Snapshot } from './schemas/snapshot.js';
import type { Severity } from './severity.js';
import type { OpenFinding } from './state.js';
import type { PinnedModel } from './diff/pinned-models.js';
import type { RejectedVersion } from './consent/tool-rejection.js';
import { scanObservation } from './rules/scan.js';
import { applyTuning, type RuleTuning, type SuppressedFinding } from './rules/tuning.js';
import type { Finding, ScanContext } from './rules/types.js';
import { evaluateSnapshot, type BaselineSurface, type Evaluation } from './evaluate.js';

/** What the decision reads from a server's catalog entry. */
export interface DecisionPolicy {
  /** First sight stays pending instead of becoming the baseline (trust on first use). */
  approvalRequired: boolean;
  /** Models the entry pins; checked on every snapshot, first sight and baseline-less scans included. */
  pinnedModels?: PinnedModel[];
}

/**
 * The one reading of a catalog entry that the differ and `scan` both decide with, so that neither
 * can leave the pinned models out (a digest swap must fail `scan` as it pages from the differ).
 */
export function decisionPolicyOf(server: Pick<ServerConfig, 'approval' | 'models'>): DecisionPolicy {
  return { approvalRequired: server.approval === 'required', ...(server.models?.pinned ? { pinnedModels: server.models.pinned } : {}) };
}

export interface DecisionInput {
  message: Snapshot | ProbeFailure;
  /** The approved baseline (the differ's), the one a `scan --baseline` file holds, or none. */
  baseline: BaselineSurface | null;
  policy: DecisionPolicy;
  /**
   * The content rules' raw findings on `message` (before tuning), when the caller already has
   * them — the differ caches them per fingerprint — or the context to compute them here with.
   */
  content: { findings: readonly Finding[] } | { scan: ScanContext };
  /** Operator tuning of the content rules (config `rules`). */
  tuning: RuleTuning;
  /** Content findings below this severity raise no alert (default medium). */
  contentAlertAt?: Severity;
  /** Tool versions a human rejected (none for `scan`, which has no store). */
  rejectedTools: readonly RejectedVersion[];
  /** Findings open before this message (none for `scan`). */
  open: Record<string, OpenFinding>;
  now: string;
}

export interface Decision extends Evaluation {
  /** Content findings the tuning hid, each with the entry that hid it (for the audit trail). */
  suppressed: SuppressedFinding[];
}

/**
 * What one snapshot (or probe failure) means for a server — its findings, the alerts that open
 * and close, its state, whether it becomes the baseline — from the content rules, the operator's
 * tuning, the baseline diff, the pinned models and the snapshot's own integrity. The differ and
 * `driftwatch scan` both call this, so that a CI scan and the monitor never disagree. Pure.
 */
export function decideSnapshot(input: DecisionInput): Decision {
  const { message } = input;
  let raw: readonly Finding[] = [];
  if (message.type === 'snapshot') raw = 'findings' in input.content ? input.content.findings : scanObservation(message, input.content.scan);
  const { kept, suppressed } = applyTuning([...raw], input.tuning, message.serverId);
  const evaluation = evaluateSnapshot({
    message,
    baseline: input.baseline,
    open: input.open,
    approvalRequired: input.policy.approvalRequired,
    ...(input.policy.pinnedModels ? { pinnedModels: input.policy.pinnedModels } : {}),
    contentFindings: kept,
    ...(input.contentAlertAt ? { contentAlertAt: input.contentAlertAt } : {}),
    ...(input.rejectedTools.length > 0 ? { rejectedTools: input.rejectedTools } : {}),
    now: input.now,
  });
  return { ...evaluation, suppressed };
}
