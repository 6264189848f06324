import {
  Baseline,
  decideSnapshot,
  evaluationKeyOf,
  makeBaseline,
  scanServerText,
  scanTool,
  Snapshot,
  SnapshotMessage,
  recordLookups,
  ToolNameIndex,
  type Finding,
  type NameLookup,
} from '@driftwatch/core';
import { createHash } from 'node:crypto';
import type { ToolUnits } from '../scan-cache.js';
import type { AnalyseResult, AnalyseTask, IndexSync, ToolNamesResult, ToolNamesTask } from './task.js';

/** This thread's mirror of the differ's cross-server name index (see ToolNameIndex in the differ). */
let mirror: { epoch: string; at: number; index: ToolNameIndex } = { epoch: '', at: -1, index: new ToolNameIndex() };

/** Applies the ops a task brought; false when they start past where the mirror is. */
function syncMirror(sync: IndexSync | undefined): boolean {
  if (!sync) return mirror.at >= 0;
  if (sync.reset) mirror = { epoch: sync.epoch, at: 0, index: new ToolNameIndex() };
  // Ops are whole lists per server, so replaying some the mirror already has is harmless.
  else if (sync.epoch !== mirror.epoch || sync.from > mirror.at) return false;
  if (sync.to <= mirror.at && !sync.reset) return true;
  for (const [serverId, names] of sync.ops) {
    if (names === null) mirror.index.delete(serverId);
    else mirror.index.set(serverId, names);
  }
  mirror.at = sync.to;
  return true;
}

/**
 * One snapshot (or probe failure) → what it means: decode and validate the message, run the
 * content rules (or reuse the cached findings of the same fingerprint), and hand them to core's
 * decideSnapshot — the decision `driftwatch scan` makes too. Pure apart from parsing: it runs on a
 * worker thread in the service, and inline in tests, with the same result.
 */
export function analyse(task: AnalyseTask): AnalyseResult {
  let message: SnapshotMessage;
  try {
    message = SnapshotMessage.parse(JSON.parse(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength).toString('utf8')));
  } catch (err) {
    return { ok: false, reason: summarise(err) };
  }
  if (message.serverId !== task.key) return { ok: false, reason: `message is about server "${message.serverId}" but keyed "${task.key}"` };

  const synced = syncMirror(task.index);
  let findings: Finding[] = [];
  let keys: Set<number> | undefined;
  let scanned: ReturnType<typeof scanReusing> | undefined;
  if (message.type === 'snapshot') {
    const c = task.cache;
    if (c && c.fingerprint === message.fingerprints.snapshot) {
      findings = c.findings;
    } else {
      if (!synced || mirror.epoch !== task.index?.epoch) return { ok: false, needsIndex: true, have: mirror.epoch === task.index?.epoch ? mirror.at : -1 };
      keys = new Set<number>();
      scanned = scanReusing(message, recordLookups(mirror.index.others(message.serverId), keys), c, keys);
      findings = scanned.findings;
    }
  }
  const baseline = task.baseline ? Baseline.parse(JSON.parse(task.baseline.json)).snapshot : null;
  const decision = decideSnapshot({
    message,
    baseline,
    policy: task.server,
    content: { findings },
    tuning: task.tuning,
    rejectedTools: task.rejections ?? [],
    open: task.open,
    now: task.now,
  });

  const out: AnalyseResult = {
    ok: true,
    type: message.type,
    pollId: message.pollId,
    triggers: decision.triggers,
    resolves: decision.resolves,
    open: decision.open,
    statePatch: decision.statePatch,
    changeCount: decision.changes.length,
    suppressed: decision.suppressed,
    indexAt: mirror.epoch === task.index?.epoch ? mirror.at : -1,
  };
  if (message.type === 'snapshot') {
    out.snapshot = { fingerprint: message.fingerprints.snapshot, json: JSON.stringify(message) };
    out.evaluationKey = evaluationKeyOf(message.fingerprints.snapshot, message.transport);
    out.toolNames = message.tools.map((t) => t.name);
    if (keys && scanned) {
      out.scan = { fingerprint: message.fingerprints.snapshot, findings, units: scanned.units, keys: [...keys], indexAt: mirror.at, toolsScanned: scanned.toolsScanned };
    }
    if (decision.adoptAsBaseline) {
      const b = makeBaseline(message, { origin: 'tofu', approvedBy: 'tofu', reason: 'first sight (trust on first use)', now: new Date(task.now) });
      out.baseline = { fingerprint: b.fingerprint, json: JSON.stringify(b) };
    }
  }
  return out;
}

/**
 * The content rules over a snapshot, reusing the last scan's findings for every tool whose JSON
 * is unchanged when the server's tool names are the same: a drift of one description re-scans
 * that tool (and the server-level text), not all fifty. The reused tools' lookups are among the
 * last scan's keys, which stay recorded (a superset: at worst an extra rescan later).
 */
function scanReusing(message: Snapshot, names: NameLookup, prior: AnalyseTask['cache'], keys: Set<number>): { findings: Finding[]; units: ToolUnits; toolsScanned: number } {
  const own = new Set(message.tools.map((t) => t.name));
  const ownKey = [...own].sort().join('\n');
  const reuse = prior?.units?.ownKey === ownKey ? prior.units : undefined;
  if (reuse && prior?.keys) for (const k of Array.from(prior.keys)) keys.add(k);
  const clean = new Set(reuse?.clean);
  const units: ToolUnits = { ownKey, clean: [], flagged: {} };
  const findings: Finding[] = [];
  let toolsScanned = 0;
  const listed = new Map<string, number>();
  for (const t of message.tools) listed.set(t.name, (listed.get(t.name) ?? 0) + 1);
  for (const tool of message.tools) {
    const digest = toolDigest(tool, listed.get(tool.name) === 1 ? message.fingerprints.tools : undefined);
    let found = reuse ? (clean.has(digest) ? [] : Object.hasOwn(reuse.flagged, digest) ? reuse.flagged[digest] : undefined) : undefined;
    if (!found) {
      found = scanTool(tool, own, { serverId: message.serverId, names });
      toolsScanned++;
    }
    if (found.length > 0) units.flagged[digest] = found;
    else units.clean.push(digest);
    findings.push(...found);
  }
  findings.push(...scanServerText(message, { serverId: message.serverId, names }));
  return { findings, units, toolsScanned };
}

/**
 * What identifies a tool's scanned text: the fingerprint the poller computed, which covers every
 * field the rules read (annotations are normalised only by filling in hint defaults; the rules
 * read the title alone), or, for a name listed twice, a hash of the tool's own JSON.
 */
function toolDigest(tool: Snapshot['tools'][number], known: Snapshot['fingerprints']['tools'] | undefined): string {
  const fp = known && Object.hasOwn(known, tool.name) ? known[tool.name]?.tool : undefined;
  return fp ? `f:${fp}` : `h:${createHash('sha256').update(JSON.stringify(tool)).digest('base64url').slice(0, 16)}`;
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
