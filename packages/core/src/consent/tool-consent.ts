import type { Snapshot } from '../schemas/snapshot.js';
import type { Change } from '../diff/types.js';
import { diffObservations } from '../diff/index.js';
import { fingerprintObservation } from '../fingerprint.js';
import type { RejectedVersion } from './tool-rejection.js';

/**
 * Change kinds about one tool, whose subject is the tool's current name. The integrity kinds
 * (`tool.duplicate_name`, `tool.unverifiable`) are facts about the snapshot, not drift: no
 * consent decision makes them go away.
 */
export const TOOL_DRIFT_KINDS = [
  'tool.added',
  'tool.removed',
  'tool.renamed',
  'tool.description_changed',
  'tool.input_schema_changed',
  'tool.output_schema_changed',
  'tool.annotations_changed',
] as const;
const TOOL_DRIFT = new Set<string>(TOOL_DRIFT_KINDS);

export function isToolDriftKind(kind: string): boolean {
  return TOOL_DRIFT.has(kind);
}

/** The whole-tool fingerprint of `name` in a snapshot; undefined when the snapshot has no such tool. */
export function toolFingerprintIn(snapshot: Pick<Snapshot, 'fingerprints'>, name: string): string | undefined {
  const tools = snapshot.fingerprints.tools;
  // hasOwn: tool names are server text ("__proto__", "constructor" …).
  return Object.hasOwn(tools, name) ? tools[name]?.tool : undefined;
}

/** The rejection that applies to the version of `name` the snapshot shows, if any. */
export function rejectionFor<R extends RejectedVersion>(snapshot: Pick<Snapshot, 'fingerprints'>, name: string, rejections: readonly R[]): R | undefined {
  const current = toolFingerprintIn(snapshot, name);
  if (current === undefined) return undefined;
  return rejections.find((r) => r.tool === name && r.fingerprint === current);
}

/**
 * Splits off the tool changes a human already refused: the tool's current version is exactly
 * the rejected one. Those raise no alert and do not count as drift (the allowlist blocks the
 * tool instead); a different version of the same tool is a new change and stays in `kept`.
 * A removal is never refused (a rejection names a version that is present).
 */
export function refuseRejected(
  changes: readonly Change[],
  current: Pick<Snapshot, 'fingerprints'>,
  rejections: readonly RejectedVersion[],
): { kept: Change[]; refused: Change[] } {
  const kept: Change[] = [];
  const refused: Change[] = [];
  for (const change of changes) {
    const covered = rejections.length > 0 && isToolDriftKind(change.kind) && change.kind !== 'tool.removed' && rejectionFor(current, change.subject, rejections) !== undefined;
    (covered ? refused : kept).push(change);
  }
  return { kept, refused };
}

/**
 * What still awaits a decision: the differences between the baseline and the current snapshot
 * that no rejection covers. Empty means the server is not drifted.
 */
export function pendingChanges(
  baseline: Snapshot,
  current: Snapshot,
  rejections: readonly RejectedVersion[],
): { changes: Change[]; refused: Change[] } {
  if (baseline.fingerprints.snapshot === current.fingerprints.snapshot) return { changes: [], refused: [] };
  const { kept, refused } = refuseRejected(diffObservations(baseline, current), current, rejections);
  return { changes: kept, refused };
}

export interface ToolApproval {
  /** The new baseline snapshot (fingerprints recomputed). */
  snapshot: Snapshot;
  /** The approved version's whole-tool fingerprint; null when the approval accepts its removal. */
  toolFingerprint: string | null;
  /** Names whose absence the approval also accepted: the old name of a rename. */
  alsoRemoved: string[];
  /** False when the baseline already held exactly this. */
  changed: boolean;
}

/**
 * Consent for one tool: the baseline keeps everything it had (server surface, instructions,
 * prompts, resources, models and every other tool) except `name`, whose definition — or
 * absence — is taken from the current snapshot. A rename is approved whole: the old name leaves
 * the baseline too, else its absence would alert as a removal right after.
 * The integrity record (`unverifiable`) of that tool follows it, so a cut definition never
 * becomes a clean-looking baseline.
 */
export function approveToolInBaseline(baseline: Snapshot, current: Snapshot, name: string): ToolApproval {
  const alsoRemoved: string[] = [];
  if (baseline.fingerprints.snapshot !== current.fingerprints.snapshot) {
    for (const c of diffObservations(baseline, current)) {
      const old = c.evidence.before;
      if (c.kind === 'tool.renamed' && c.subject === name && typeof old === 'string' && old !== name && toolFingerprintIn(current, old) === undefined) alsoRemoved.push(old);
    }
  }
  const names = new Set([name, ...alsoRemoved]);
  const tools = [...baseline.tools.filter((t) => !names.has(t.name)), ...current.tools.filter((t) => names.has(t.name))];
  const ofTool = (u: { list: string; subject: string }) => u.list === 'tools' && names.has(u.subject);
  const unverifiable = [...(baseline.unverifiable ?? []).filter((u) => !ofTool(u)), ...(current.unverifiable ?? []).filter(ofTool)];
  const next: Snapshot = { ...baseline, tools };
  if (unverifiable.length > 0) next.unverifiable = unverifiable;
  else delete next.unverifiable;
  next.fingerprints = fingerprintObservation(next);
  return {
    snapshot: next,
    toolFingerprint: toolFingerprintIn(current, name) ?? null,
    alsoRemoved,
    changed: next.fingerprints.snapshot !== baseline.fingerprints.snapshot,
  };
}

/**
 * The tools a whole-server rejection refuses: every tool of the current snapshot whose version
 * the baseline does not hold (all of them when there is no baseline yet).
 */
export function changedTools(baseline: Snapshot | null, current: Snapshot): Array<{ name: string; fingerprint: string }> {
  const out: Array<{ name: string; fingerprint: string }> = [];
  for (const name of Object.keys(current.fingerprints.tools).sort()) {
    const fp = toolFingerprintIn(current, name);
    if (fp === undefined) continue;
    if (baseline && toolFingerprintIn(baseline, name) === fp) continue;
    out.push({ name, fingerprint: fp });
  }
  return out;
}
