import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.js';
import { compareStrings, fingerprintTool } from '../fingerprint.js';
import { LIMITS } from '../limits.js';
import { IsoTime, ServerId } from '../schemas/envelope.js';
import { ToolInfo, type Snapshot } from '../schemas/snapshot.js';
import { deriveStatus, SERVER_STATUSES, type ServerState } from '../state.js';
import { toolFingerprintIn } from './tool-consent.js';
import type { ToolRejection } from './tool-rejection.js';

/*
 * The allowlist contract (GET /v1/allowlist), version 1.
 *
 *   { version: 1,
 *     allowed: [server ids],             // servers usable in full: allowed, nothing blocked
 *     servers: [{ id, status, allowed, baselineFingerprint,
 *                 tools:   [{ name, fingerprint }],                   // approved: pin these
 *                 blocked: [{ name, reason, fingerprint, detail? }] }], // and why others are not
 *     generatedAt }
 *
 * A gateway lets an agent call tool T of server S only when
 *   1. S is listed with `allowed: true`, and
 *   2. `tools` of S holds an entry named T whose `fingerprint` equals
 *      `gatewayToolFingerprint(entry)` of T's entry in S's live `tools/list` answer (and that
 *      answer lists T exactly once).
 * Anything else is refused: an unknown server, an unknown tool, a tool whose live definition
 * differs from the pinned one (a silent swap the poller may not have seen yet), a duplicate name,
 * a document it could not fetch. `blocked` explains refusals; it is not needed to decide them.
 *
 * The ETag is strong and derived from the content alone (`generatedAt` is left out), so every
 * API replica gives the same ETag for the same content; send it back as `If-None-Match` and a
 * 304 says nothing changed.
 */

export const ALLOWLIST_VERSION = 1;

/** Why a tool is not on the allowlist. */
export const ALLOWLIST_BLOCK_REASONS = [
  /** A human rejected exactly this version (POST …/tools/{name}/reject, or a server reject). */
  'rejected',
  /** It differs from its approved version and nobody has decided yet. */
  'drifted',
  /** New since the baseline (or the server has no baseline): never approved. */
  'unapproved',
  /** The probe could not read it in full: no fingerprint a gateway could reproduce. */
  'unverifiable',
  /** The server lists the name more than once: a gateway cannot tell which one a call reaches. */
  'duplicate',
] as const;
export const AllowlistBlockReason = z.enum(ALLOWLIST_BLOCK_REASONS);
export type AllowlistBlockReason = z.infer<typeof AllowlistBlockReason>;

const ToolName = z.string().min(1).max(LIMITS.maxNameLength + 64);

export const AllowlistTool = z.object({
  name: ToolName,
  /** What a gateway pins: `gatewayToolFingerprint` of the approved definition (SHA-256, hex). */
  fingerprint: z.string().min(1).max(128),
});
export type AllowlistTool = z.infer<typeof AllowlistTool>;

export const AllowlistBlockedTool = z.object({
  name: ToolName,
  reason: AllowlistBlockReason,
  /** The fingerprint of the version that is blocked (the server's current one); null if none. */
  fingerprint: z.string().max(128).nullable(),
  /** For a rejection: the reason the human gave. */
  detail: z.string().max(300).optional(),
});
export type AllowlistBlockedTool = z.infer<typeof AllowlistBlockedTool>;

export const AllowlistServer = z.object({
  id: ServerId,
  status: z.enum(SERVER_STATUSES),
  /** True only when the status is `ok`: approved, reachable, not drifted, not quarantined. */
  allowed: z.boolean(),
  /** The approved baseline's fingerprint; null while the server has none (pending). */
  baselineFingerprint: z.string().max(128).nullable(),
  /** Approved tools, by name, each with the fingerprint to pin. */
  tools: z.array(AllowlistTool),
  /** Tools the server serves (or the baseline holds) that a gateway must refuse, with why. */
  blocked: z.array(AllowlistBlockedTool),
});
export type AllowlistServer = z.infer<typeof AllowlistServer>;

export const AllowlistDocument = z.object({
  version: z.literal(ALLOWLIST_VERSION),
  /** Compatibility with v0 (ids only): servers usable in full — allowed and nothing blocked. */
  allowed: z.array(ServerId),
  servers: z.array(AllowlistServer),
  /** When this content was first produced by the API process that served it. Not in the ETag. */
  generatedAt: IsoTime,
});
export type AllowlistDocument = z.infer<typeof AllowlistDocument>;

/** The tool part of a server's entry: depends only on baseline, latest snapshot and rejections. */
export type AllowlistToolView = Pick<AllowlistServer, 'tools' | 'blocked'>;

/**
 * The fingerprint a gateway pins and recomputes for one tool: the whole-tool fingerprint of
 * core's `fingerprintTool` (SHA-256 over the canonical JSON of name, description+title, input
 * schema, output schema, annotations with the spec defaults filled in, and `_meta`), computed
 * on the entry as a live `tools/list` answer carries it. Fields the MCP schema for a tool does
 * not know are ignored, as the probe ignores them. Null when the entry is not a tool Driftwatch
 * could fingerprint (no name, no input schema, a text over 1 MiB, nesting too deep …): a
 * gateway refuses such a tool.
 */
export function gatewayToolFingerprint(tool: unknown): string | null {
  const parsed = ToolInfo.safeParse(tool);
  return parsed.success ? fingerprintTool(parsed.data).tool : null;
}

function countNames(snapshot: Snapshot | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of snapshot?.tools ?? []) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  return counts;
}

function unverifiableNames(snapshot: Snapshot | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of snapshot?.unverifiable ?? []) if (u.list === 'tools' && !out.has(u.subject)) out.set(u.subject, u.reason);
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Which tools of one server a gateway may pin, and which it must refuse. Approved = the
 * baseline's version of each tool, unless that exact version was rejected afterwards, or the
 * baseline or the current snapshot cannot vouch for it (duplicate name, unreadable). The current
 * version of a tool, when it differs from what is pinned, is listed in `blocked` with why.
 * A tool the baseline holds but the server no longer lists stays pinned: if it comes back
 * unchanged it is the approved tool.
 */
export function allowlistTools(
  baseline: Snapshot | null,
  current: Snapshot | null,
  rejections: readonly Pick<ToolRejection, 'tool' | 'fingerprint' | 'reason'>[],
): AllowlistToolView {
  const baseCounts = countNames(baseline);
  const curCounts = countNames(current);
  const baseCut = unverifiableNames(baseline);
  const curCut = unverifiableNames(current);
  const names = [...new Set([...baseCounts.keys(), ...curCounts.keys(), ...curCut.keys()])].sort(compareStrings);
  const tools: AllowlistTool[] = [];
  const blocked: AllowlistBlockedTool[] = [];
  const rejected = (name: string, fp: string | undefined) =>
    fp === undefined ? undefined : rejections.find((r) => r.tool === name && r.fingerprint === fp);

  for (const name of names) {
    const base = baseline ? toolFingerprintIn(baseline, name) : undefined;
    const cur = current ? toolFingerprintIn(current, name) : undefined;
    const curDuplicate = (curCounts.get(name) ?? 0) > 1;
    const curUnreadable = curCut.get(name);
    // The pin must be something a gateway can recompute and a human has not taken back.
    const pinnable = base !== undefined && (baseCounts.get(name) ?? 0) === 1 && !baseCut.has(name) && !curDuplicate && curUnreadable === undefined && !rejected(name, base);
    if (pinnable) tools.push({ name, fingerprint: base });

    if (curDuplicate) {
      blocked.push({ name, reason: 'duplicate', fingerprint: cur ?? null });
    } else if (curUnreadable !== undefined) {
      blocked.push({ name, reason: 'unverifiable', fingerprint: cur ?? null, detail: curUnreadable });
    } else if (cur !== undefined && !(pinnable && cur === base)) {
      const r = rejected(name, cur);
      if (r) blocked.push({ name, reason: 'rejected', fingerprint: cur, detail: clip(r.reason, 300) });
      else if (base === undefined) blocked.push({ name, reason: 'unapproved', fingerprint: cur });
      else if (cur !== base) blocked.push({ name, reason: 'drifted', fingerprint: cur });
      // cur === base but not pinnable: the baseline copy is a duplicate or was cut.
      else blocked.push({ name, reason: (baseCounts.get(name) ?? 0) > 1 ? 'duplicate' : 'unverifiable', fingerprint: cur });
    } else if (cur === undefined && base !== undefined && !pinnable) {
      // Gone from the server, and its approved version is not pinnable either: say so.
      const r = rejected(name, base);
      if (r) blocked.push({ name, reason: 'rejected', fingerprint: base, detail: clip(r.reason, 300) });
    }
  }
  return { tools, blocked };
}

export interface AllowlistServerInput {
  id: string;
  state: ServerState | null;
  /** The approved baseline: its fingerprint and its snapshot. */
  baseline: { fingerprint: string; snapshot: Snapshot } | null;
  /** The latest successful snapshot. */
  current: Snapshot | null;
  rejections: readonly Pick<ToolRejection, 'tool' | 'fingerprint' | 'reason'>[];
}

/**
 * One server's entry from its state and a tool view computed earlier (the view only changes
 * with the baseline, the snapshot or the rejections; the status with every poll).
 */
export function allowlistEntry(id: string, state: ServerState | null, baselineFingerprint: string | null, view: AllowlistToolView): AllowlistServer {
  const status = deriveStatus(state);
  return { id, status, allowed: status === 'ok', baselineFingerprint, tools: view.tools, blocked: view.blocked };
}

/** One server's entry. */
export function allowlistServer(input: AllowlistServerInput): AllowlistServer {
  const view = allowlistTools(input.baseline?.snapshot ?? null, input.current, input.rejections);
  return allowlistEntry(input.id, input.state, input.baseline?.fingerprint ?? null, view);
}

/** The document from entries (sorted by id here, so the ETag does not depend on catalog order). */
export function assembleAllowlist(entries: readonly AllowlistServer[], generatedAt: string): AllowlistDocument {
  const servers = [...entries].sort((a, b) => compareStrings(a.id, b.id));
  return {
    version: ALLOWLIST_VERSION,
    allowed: servers.filter((s) => s.allowed && s.blocked.length === 0).map((s) => s.id),
    servers,
    generatedAt,
  };
}

/**
 * Builds the allowlist gateways enforce, one entry per catalogued server (see the contract at
 * the top of this file): its status, whether it may be used, its baseline fingerprint, per
 * approved tool the fingerprint to pin (the baseline's per-tool fingerprint, which
 * `gatewayToolFingerprint` recomputes from a live `tools/list` entry), and the tools to refuse
 * with why (rejected, drifted, unapproved, unverifiable, duplicate).
 */
export function buildAllowlist(servers: readonly AllowlistServerInput[], generatedAt: string): AllowlistDocument {
  return assembleAllowlist(
    servers.map((s) => allowlistServer(s)),
    generatedAt,
  );
}

/** Strong ETag over the content: canonical JSON of the document without `generatedAt`. */
export function allowlistEtag(doc: Omit<AllowlistDocument, 'generatedAt'> & { generatedAt?: string }): string {
  const { generatedAt: _ignored, ...content } = doc;
  return `"${sha256Hex(canonicalJson(content))}"`;
}

/**
 * If-None-Match against one ETag (RFC 9110 §13.1.2: weak comparison, `*` matches any current
 * representation). A header too long to be honest matches nothing, so the caller sends the body.
 */
export function etagMatches(ifNoneMatch: string | readonly string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const header = typeof ifNoneMatch === 'string' ? ifNoneMatch : ifNoneMatch.join(',');
  if (header.length > 8192) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const m of header.matchAll(/(?:W\/)?("[^"]*")/g)) if (m[1] === opaque) return true;
  return false;
}
