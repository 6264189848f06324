import type { Alert, Evidence } from './schemas/alert.js';
import type { Fingerprints, Observation, ProbeFailure, Snapshot } from './schemas/snapshot.js';
import type { OpenFinding, ServerState } from './state.js';
import { atLeast, type Severity } from './severity.js';
import { dedupKeyOf, stableId } from './ids.js';
import { canonicalJson, checkPinnedModels, sha256Hex, diffObservations, evidenceFingerprint, KIND_INFO, type Change, type PinnedModel } from './drift.js';
import { integrityChanges } from './integrity.js';
import { ruleInfo } from './rules/catalog.js';
import { exposureSummary, groupExposures, type ExposedSecret } from './secrets/exposed-secrets.js';
import { refuseRejected } from './consent/tool-consent.js';
import type { RejectedVersion } from './consent/tool-rejection.js';

/** The parts of a content finding the differ needs (the rules engine's Finding fits). */
export interface ContentFinding {
  ruleId: string;
  severity: Severity;
  /** How sure the rule is (0..1); carried on the alert for `minConfidenceToQuarantine`. */
  confidence?: number;
  message: string;
  field: string;
  tool?: string;
  evidence: { start: number; end: number; excerpt: string; decoded?: string };
}

/** A baseline as evaluation reads it: a surface and its fingerprint (a Snapshot is one). */
export type BaselineSurface = Observation & { fingerprints: Pick<Fingerprints, 'snapshot'> & Partial<Pick<Fingerprints, 'tools'>> };

export interface EvaluationInput {
  message: Snapshot | ProbeFailure;
  /** The approved baseline's snapshot, if any. */
  baseline: BaselineSurface | null;
  open: Record<string, OpenFinding>;
  approvalRequired: boolean;
  /** Models the registry entry pins; checked on every snapshot, first sight included. */
  pinnedModels?: readonly PinnedModel[];
  /** Content findings on the current snapshot, already tuned. */
  contentFindings?: readonly ContentFinding[];
  /** Content findings below this severity are kept out of alerts (they stay visible in lint). */
  contentAlertAt?: Severity;
  /**
   * Tool versions a human rejected. A tool change whose current version is one of them was
   * already decided: no alert, not drift (the allowlist blocks the tool). Another version alerts.
   */
  rejectedTools?: readonly RejectedVersion[];
  now: string;
}

export interface Evaluation {
  triggers: Alert[];
  resolves: Alert[];
  open: Record<string, OpenFinding>;
  statePatch: Partial<Omit<ServerState, 'serverId' | 'quarantine'>>;
  /** True when this snapshot should become the baseline (trust on first use). */
  adoptAsBaseline: boolean;
  changes: Change[];
  /** Tool changes left out because their current version was rejected (see `rejectedTools`). */
  refused: Change[];
  /** Every finding the snapshot raises, open or new, one per dedup key: what a report lists. */
  findings: DecidedFinding[];
}

/** One finding of a decision: what its alert carries, and what raised it. */
export interface DecidedFinding {
  dedupKey: string;
  kind: string;
  subject: string;
  severity: Severity;
  summary: string;
  explanation: string;
  remediation: string;
  evidence: Evidence;
  evidenceFingerprint: string;
  confidence?: number;
  /** A change (against the baseline, the pins, or of the snapshot itself), a content finding, or a condition of the poll. */
  origin: { change: Change } | { content: ContentFinding } | { condition: string };
}

const MAX_SUMMARY = 300;
const MAX_SUBJECT = 512;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fromChange(serverId: string, change: Change): DecidedFinding {
  const info = KIND_INFO[change.kind];
  const details = change.details?.length ? `\n${change.details.join('\n')}` : '';
  return {
    dedupKey: dedupKeyOf(serverId, change.kind, change.subject),
    kind: change.kind,
    subject: clip(change.subject, MAX_SUBJECT),
    severity: change.severity,
    summary: clip(`[${serverId}] ${change.summary}`, MAX_SUMMARY),
    explanation: info.explanation + details,
    remediation: info.remediation,
    evidence: { before: change.evidence.before, after: change.evidence.after },
    evidenceFingerprint: evidenceFingerprint(change),
    origin: { change },
  };
}

function fromFinding(serverId: string, f: ContentFinding): DecidedFinding {
  const kind = `content.${f.ruleId}`;
  const text = ruleInfo(f.ruleId);
  const excerpt = f.evidence.decoded ? `${f.evidence.excerpt} (decoded: ${f.evidence.decoded})` : f.evidence.excerpt;
  return {
    dedupKey: dedupKeyOf(serverId, kind, f.field),
    kind,
    subject: clip(f.field, MAX_SUBJECT),
    severity: f.severity,
    summary: clip(`[${serverId}] ${text?.title ?? f.ruleId}: ${f.message}`, MAX_SUMMARY),
    explanation: text?.explanation ?? f.message,
    remediation: text?.remediation ?? 'Review the text with the server owner before agents use it.',
    evidence: { after: excerpt, span: { field: f.field, start: f.evidence.start, end: f.evidence.end, excerpt: f.evidence.excerpt } },
    evidenceFingerprint: sha256Hex(canonicalJson({ ruleId: f.ruleId, field: f.field, excerpt: f.evidence.excerpt })),
    ...(f.confidence !== undefined ? { confidence: f.confidence } : {}),
    origin: { content: f },
  };
}

function unreachable(failure: ProbeFailure): DecidedFinding {
  if (failure.code === 'too_large') return tooLarge(failure);
  const info = KIND_INFO['server.unreachable'];
  return {
    dedupKey: dedupKeyOf(failure.serverId, 'server.unreachable', 'server'),
    kind: 'server.unreachable',
    subject: 'server',
    severity: info.severity,
    summary: clip(`[${failure.serverId}] unreachable (${failure.code}): ${failure.reason}`, MAX_SUMMARY),
    explanation: info.explanation,
    remediation: info.remediation,
    evidence: { after: { code: failure.code, reason: failure.reason } },
    // One open alert for an outage, however its reason wanders between polls.
    evidenceFingerprint: 'unreachable',
    origin: { condition: `${failure.code}: ${failure.reason}` },
  };
}

/**
 * A server that answers with more than a probe may hold is not down: it chose to send what cannot
 * be read. That fails closed (high, quarantine by default) instead of passing as an outage.
 */
function tooLarge(failure: ProbeFailure): DecidedFinding {
  const info = KIND_INFO['server.unverifiable'];
  return {
    dedupKey: dedupKeyOf(failure.serverId, 'server.unverifiable', 'response'),
    kind: 'server.unverifiable',
    subject: 'response',
    severity: info.severity,
    summary: clip(`[${failure.serverId}] could not be read in full (${failure.code}): ${failure.reason}`, MAX_SUMMARY),
    explanation: info.explanation,
    remediation: info.remediation,
    evidence: { after: { code: failure.code, reason: failure.reason } },
    evidenceFingerprint: 'too_large',
    origin: { condition: `${failure.code}: ${failure.reason}` },
  };
}

/** A configured secret in the server's text: one alert per secret, open as long as it is there. */
function exposed(serverId: string, e: ExposedSecret): DecidedFinding {
  const info = KIND_INFO['server.secret_exposed'];
  return {
    dedupKey: dedupKeyOf(serverId, 'server.secret_exposed', e.source),
    kind: 'server.secret_exposed',
    subject: clip(e.source, MAX_SUBJECT),
    severity: info.severity,
    summary: clip(`[${serverId}] ${exposureSummary(e)}`, MAX_SUMMARY),
    explanation: info.explanation,
    remediation: info.remediation,
    evidence: { after: { source: e.source, fields: e.fields, fieldCount: e.fieldCount, encodings: e.encodings } },
    // The secret, not where it shows: moving it to another tool is the same exposure, still open.
    evidenceFingerprint: sha256Hex(canonicalJson({ kind: 'server.secret_exposed', source: e.source })),
    origin: { condition: exposureSummary(e) },
  };
}

/**
 * A stdio server that ran without a sandbox (recorded by the probe in its transport facts). The
 * evidence fingerprint is fixed, so the finding is raised once and stays open while the server
 * keeps running unsandboxed, however the recorded reason varies; a sandboxed poll resolves it.
 */
function unsandboxed(snapshot: Snapshot): DecidedFinding | undefined {
  const facts = snapshot.transport.sandbox;
  if (snapshot.transport.kind !== 'stdio' || facts?.mode !== 'none') return undefined;
  const info = KIND_INFO['server.unsandboxed'];
  const why = facts.reason ? `: ${facts.reason}` : '';
  return {
    dedupKey: dedupKeyOf(snapshot.serverId, 'server.unsandboxed', 'server'),
    kind: 'server.unsandboxed',
    subject: 'server',
    severity: info.severity,
    summary: clip(`[${snapshot.serverId}] probed without a sandbox${why}`, MAX_SUMMARY),
    explanation: info.explanation,
    remediation: info.remediation,
    evidence: { after: { mode: facts.mode, ...(facts.reason ? { reason: facts.reason } : {}) } },
    evidenceFingerprint: 'unsandboxed',
    origin: { condition: `probed without a sandbox${why}` },
  };
}

function toAlert(c: DecidedFinding, input: EvaluationInput, id: string): Alert {
  const m = input.message;
  return {
    id,
    type: 'alert',
    version: 1,
    time: input.now,
    serverId: m.serverId,
    action: 'trigger',
    dedupKey: c.dedupKey,
    kind: c.kind,
    subject: c.subject,
    severity: c.severity,
    summary: c.summary,
    explanation: c.explanation,
    remediation: c.remediation,
    evidence: c.evidence,
    pollId: m.pollId,
    ...(c.confidence !== undefined ? { confidence: c.confidence } : {}),
    ...(m.type === 'snapshot' ? { snapshotFingerprint: m.fingerprints.snapshot } : {}),
  };
}

function resolveAlert(dedupKey: string, finding: OpenFinding, input: EvaluationInput): Alert {
  const m = input.message;
  const info = (KIND_INFO as Record<string, { explanation: string; remediation: string } | undefined>)[finding.kind];
  return {
    id: stableId('res', finding.alertId, m.pollId),
    type: 'alert',
    version: 1,
    time: input.now,
    serverId: m.serverId,
    action: 'resolve',
    dedupKey,
    kind: finding.kind,
    subject: finding.subject,
    severity: finding.severity,
    summary: clip(`[${m.serverId}] resolved: ${finding.kind} ${finding.subject}`, MAX_SUMMARY),
    explanation: info?.explanation ?? 'The condition is no longer observed.',
    remediation: 'Nothing to do; kept for the record.',
    evidence: {},
    pollId: m.pollId,
  };
}

/**
 * Decide what one snapshot (or probe failure) means for a server: which alerts open, which
 * close, what the server's state becomes, and whether it is adopted as the baseline.
 * Deterministic: the same input yields the same alert ids, so a redelivered snapshot is harmless.
 */
export function evaluateSnapshot(input: EvaluationInput): Evaluation {
  const m = input.message;
  const candidates = new Map<string, DecidedFinding>();
  let changes: Change[] = [];
  let adoptAsBaseline = false;
  let statePatch: Evaluation['statePatch'];

  if (m.type === 'probe_failure') {
    // An outage says nothing about drift: keep what is open, add the outage.
    const c = unreachable(m);
    candidates.set(c.dedupKey, c);
    statePatch = {
      reachable: false,
      lastPollAt: m.time,
      lastPollId: m.pollId,
      lastError: { code: m.code, reason: m.reason, at: m.time },
    };
    const next: Record<string, OpenFinding> = { ...input.open };
    const triggers: Alert[] = [];
    const existing = next[c.dedupKey];
    if (!existing) {
      const id = stableId('alr', c.dedupKey, c.evidenceFingerprint, m.pollId);
      triggers.push(toAlert(c, input, id));
      next[c.dedupKey] = { alertId: id, evidenceFingerprint: c.evidenceFingerprint, severity: c.severity, kind: c.kind, subject: c.subject };
    }
    return { triggers, resolves: [], open: next, statePatch, adoptAsBaseline: false, changes, refused: [], findings: [c] };
  }

  let refused: Change[] = [];
  if (input.baseline) {
    const all = input.baseline.fingerprints.snapshot === m.fingerprints.snapshot ? [] : diffObservations(input.baseline, m);
    ({ kept: changes, refused } = refuseRejected(all, m, input.rejectedTools ?? []));
    for (const change of changes) {
      const c = fromChange(m.serverId, change);
      candidates.set(c.dedupKey, c);
    }
  }
  // What the snapshot itself shows, whatever the baseline says: unkeepable parts, duplicate names.
  const integrity = integrityChanges(m);
  for (const change of integrity) {
    const c = fromChange(m.serverId, change);
    candidates.set(c.dedupKey, c);
  }
  // Trust on first use never extends to a surface the probe could not read in full.
  if (!input.baseline && !input.approvalRequired && integrity.length === 0) adoptAsBaseline = true;
  if (input.pinnedModels) {
    const pinChanges = checkPinnedModels(input.pinnedModels, m.models);
    changes = [...changes, ...pinChanges];
    for (const change of pinChanges) {
      const c = fromChange(m.serverId, change);
      candidates.set(c.dedupKey, c);
    }
  }

  const bare = unsandboxed(m);
  if (bare) candidates.set(bare.dedupKey, bare);

  const threshold = input.contentAlertAt ?? 'medium';
  for (const f of input.contentFindings ?? []) {
    if (!atLeast(f.severity, threshold)) continue;
    const c = fromFinding(m.serverId, f);
    const prior = candidates.get(c.dedupKey);
    if (!prior || atLeast(c.severity, prior.severity)) candidates.set(c.dedupKey, c);
  }

  for (const e of groupExposures(m.exposures ?? [])) {
    const c = exposed(m.serverId, e);
    candidates.set(c.dedupKey, c);
  }

  const triggers: Alert[] = [];
  const resolves: Alert[] = [];
  const next: Record<string, OpenFinding> = {};
  for (const c of candidates.values()) {
    const existing = input.open[c.dedupKey];
    if (existing && existing.evidenceFingerprint === c.evidenceFingerprint) {
      next[c.dedupKey] = existing;
      continue;
    }
    // Deterministic per (finding, poll that first saw it): a redelivered snapshot maps to the same
    // alert, while a change that comes back after it was resolved is a new episode with a new id.
    const id = stableId('alr', c.dedupKey, c.evidenceFingerprint, m.pollId);
    triggers.push(toAlert(c, input, id));
    next[c.dedupKey] = { alertId: id, evidenceFingerprint: c.evidenceFingerprint, severity: c.severity, kind: c.kind, subject: c.subject };
  }
  for (const [key, finding] of Object.entries(input.open)) {
    if (!candidates.has(key)) resolves.push(resolveAlert(key, finding, input));
  }

  statePatch = {
    reachable: true,
    lastError: undefined,
    lastPollAt: m.time,
    lastPollId: m.pollId,
    lastSnapshotFingerprint: m.fingerprints.snapshot,
    // Drift is a difference from the baseline (or the pinned models); integrity findings are
    // about the snapshot alone and raise their own alerts.
    drifted: changes.length > 0,
    ...(adoptAsBaseline ? { baselineFingerprint: m.fingerprints.snapshot } : {}),
  };
  return { triggers, resolves, open: next, statePatch, adoptAsBaseline, changes: [...changes, ...integrity], refused, findings: [...candidates.values()] };
}

/**
 * A message the differ could not analyse within its budget (a surface built to be expensive):
 * that fails closed as a `high` finding on the server, like a surface too large to read. One open
 * alert per episode; the id is deterministic per message so a redelivery does not raise it twice.
 */
export function evaluateUnanalysable(input: {
  serverId: string;
  open: Record<string, OpenFinding>;
  now: string;
  /** Identifies the message (bus position and size): the alert id derives from it. */
  messageId: string;
  reason: string;
}): { triggers: Alert[]; open: Record<string, OpenFinding> } {
  const info = KIND_INFO['server.unverifiable'];
  const dedupKey = dedupKeyOf(input.serverId, 'server.unverifiable', 'analysis');
  if (input.open[dedupKey]) return { triggers: [], open: input.open };
  const id = stableId('alr', dedupKey, 'analysis', input.messageId);
  const alert: Alert = {
    id,
    type: 'alert',
    version: 1,
    time: input.now,
    serverId: input.serverId,
    action: 'trigger',
    dedupKey,
    kind: 'server.unverifiable',
    subject: 'analysis',
    severity: info.severity,
    summary: clip(`[${input.serverId}] snapshot could not be analysed within its time budget`, MAX_SUMMARY),
    explanation: info.explanation,
    remediation: info.remediation,
    evidence: { after: { reason: input.reason } },
  };
  return {
    triggers: [alert],
    open: { ...input.open, [dedupKey]: { alertId: id, evidenceFingerprint: 'analysis', severity: info.severity, kind: 'server.unverifiable', subject: 'analysis' } },
  };
}
