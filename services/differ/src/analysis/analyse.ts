import {
  applyTuning,
  Baseline,
  evaluateSnapshot,
  makeBaseline,
  scanObservation,
  Snapshot,
  SnapshotMessage,
  type Finding,
} from '@driftwatch/core';
import type { AnalyseResult, AnalyseTask, ToolNamesResult, ToolNamesTask } from './task.js';

/**
 * One snapshot (or probe failure) → what it means: decode and validate the message, run the
 * content rules (or reuse the cached findings of the same fingerprint), apply the operator's
 * tuning, evaluate against the baseline. Pure apart from parsing: it runs on a worker thread in
 * the service, and inline in tests, with the same result.
 */
export function analyse(task: AnalyseTask): AnalyseResult {
  let message: SnapshotMessage;
  try {
    message = SnapshotMessage.parse(JSON.parse(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength).toString('utf8')));
  } catch (err) {
    return { ok: false, reason: summarise(err) };
  }
  if (message.serverId !== task.key) return { ok: false, reason: `message is about server "${message.serverId}" but keyed "${task.key}"` };

  let findings: Finding[] = [];
  let scanned = false;
  if (message.type === 'snapshot') {
    const c = task.cache;
    if (c && c.fingerprint === message.fingerprints.snapshot && c.indexVersion === task.indexVersion) {
      findings = c.findings;
    } else {
      if (!task.others) return { ok: false, needsIndex: true };
      findings = scanObservation(message, { serverId: message.serverId, otherServers: task.others });
      scanned = true;
    }
  }
  const { kept, suppressed } = applyTuning(findings, task.tuning, task.server.id);
  const baseline = task.baseline ? Baseline.parse(JSON.parse(task.baseline.json)).snapshot : null;
  const evaluation = evaluateSnapshot({
    message,
    baseline,
    open: task.open,
    approvalRequired: task.server.approvalRequired,
    ...(task.server.pinnedModels ? { pinnedModels: task.server.pinnedModels } : {}),
    contentFindings: kept,
    ...(task.rejections?.length ? { rejectedTools: task.rejections } : {}),
    now: task.now,
  });

  const out: AnalyseResult = {
    ok: true,
    type: message.type,
    pollId: message.pollId,
    triggers: evaluation.triggers,
    resolves: evaluation.resolves,
    open: evaluation.open,
    statePatch: evaluation.statePatch,
    changeCount: evaluation.changes.length,
    suppressed,
  };
  if (message.type === 'snapshot') {
    out.snapshot = { fingerprint: message.fingerprints.snapshot, json: JSON.stringify(message) };
    out.toolNames = message.tools.map((t) => t.name);
    if (scanned) out.scan = { fingerprint: message.fingerprints.snapshot, indexVersion: task.indexVersion, findings };
    if (evaluation.adoptAsBaseline) {
      const b = makeBaseline(message, { origin: 'tofu', approvedBy: 'tofu', reason: 'first sight (trust on first use)', now: new Date(task.now) });
      out.baseline = { fingerprint: b.fingerprint, json: JSON.stringify(b) };
    }
  }
  return out;
}

/** Tool names of stored snapshots; one that no longer parses is skipped (the next poll replaces it). */
export function toolNames(task: ToolNamesTask): ToolNamesResult {
  const out: ToolNamesResult = [];
  for (const { serverId, json } of task.snapshots) {
    try {
      out.push({ serverId, toolNames: Snapshot.parse(JSON.parse(json)).tools.map((t) => t.name) });
    } catch {
      // skipped
    }
  }
  return out;
}

function summarise(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 1000 ? `${flat.slice(0, 1000)}…` : flat;
}
