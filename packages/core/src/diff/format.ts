import type { ChangeKindName } from '../schemas/alert.js';
import { kindSeverity, type KindGrade } from '../kind-severity.js';
import { isWithinDepth } from '../json.js';
import { measureJson } from '../json-measure.js';
import { LIMITS } from '../limits.js';
import { fingerprintJson, sha256Hex } from '../canonical.js';
import type { Change } from './types.js';

export const MAX_SUMMARY = 300;
export const MAX_SUBJECT = 512;
export const MAX_DETAILS = 40;
const MAX_NAME_IN_SUMMARY = 80;

/**
 * Characters a reader cannot see: format controls (zero-width, bidi, tag characters), odd
 * spaces, private use, variation selectors. Shown as \u{…} so a pager line cannot hide them.
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Co}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu;

/** A quoted, escaped, visible rendering of untrusted text, cut to `max` characters. */
export function visible(text: string, max = 200): string {
  const cut = text.length > max ? `${sliceSafe(text, 0, max)}…` : text;
  return JSON.stringify(cut).replace(INVISIBLE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/** Slice without splitting a surrogate pair at the end. */
export function sliceSafe(text: string, start: number, end: number): string {
  let e = Math.min(end, text.length);
  const last = text.charCodeAt(e - 1);
  if (e > start && last >= 0xd800 && last <= 0xdbff) e -= 1;
  return text.slice(start, e);
}

export function quoteName(name: string): string {
  return visible(name, MAX_NAME_IN_SUMMARY);
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${sliceSafe(text, 0, max - 1)}…`;
}

export function signed(n: number): string {
  return n >= 0 ? `+${n}` : `${n}`;
}

/** Long subjects (resource URIs can be 4 KiB) keep a readable head and a hash so they stay distinct. */
export function boundSubject(subject: string): string {
  if (subject.length <= MAX_SUBJECT) return subject;
  return `${sliceSafe(subject, 0, MAX_SUBJECT - 20)}…#${sha256Hex(subject).slice(0, 16)}`;
}

/** Longest string kept in alert evidence; a 1 MiB description must not make a 1 MiB page. */
const MAX_EVIDENCE_STRING = 16 * 1024;
/** Nodes kept in alert evidence (a whole tool with a 10 000-node schema is too much for a pager). */
const MAX_EVIDENCE_NODES = 2_000;

/**
 * Alert evidence stays small and within the JSON depth bound: a too-deep or too-large value is
 * replaced by its hash, a long string keeps its head and tail around a marker with the hash of
 * the whole. The full values stay in the stored snapshots.
 */
export function boundEvidence(value: unknown): unknown {
  if (value === undefined) return value;
  if (typeof value === 'string') return clipEvidenceString(value);
  if (!isWithinDepth(value)) return { truncated: `nested deeper than ${LIMITS.maxJsonDepth} levels`, sha256: fingerprintJson(value) };
  const size = measureJson(value, { maxDepth: LIMITS.maxJsonDepth, maxNodes: MAX_EVIDENCE_NODES, maxString: Number.MAX_SAFE_INTEGER });
  if (size.over) return { truncated: `more than ${MAX_EVIDENCE_NODES} JSON nodes`, sha256: fingerprintJson(value) };
  return size.longestString > MAX_EVIDENCE_STRING ? clipStrings(value) : value;
}

function clipEvidenceString(text: string): string {
  if (text.length <= MAX_EVIDENCE_STRING) return text;
  const half = MAX_EVIDENCE_STRING / 2;
  return `${sliceSafe(text, 0, half)}…[${text.length - MAX_EVIDENCE_STRING} characters cut; sha256 of the whole text ${sha256Hex(text)}]…${text.slice(text.length - half)}`;
}

function clipStrings(value: unknown): unknown {
  if (typeof value === 'string') return clipEvidenceString(value);
  if (Array.isArray(value)) return value.map(clipStrings);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: clipStrings(v), enumerable: true, writable: true, configurable: true });
  return out;
}

export function capDetails(lines: string[]): string[] {
  if (lines.length <= MAX_DETAILS) return lines;
  return [...lines.slice(0, MAX_DETAILS - 1), `… and ${lines.length - (MAX_DETAILS - 1)} more`];
}

/**
 * One change. Its severity is read from KIND_INFO: the kind's default, or the severity of the
 * named `grade` (why this change is graded apart from its kind's usual case).
 */
export function makeChange<K extends ChangeKindName>(
  kind: K,
  subject: string,
  summary: string,
  evidence: { before?: unknown; after?: unknown },
  extra: { details?: string[]; grade?: KindGrade<K> | undefined } = {},
): Change {
  const ev: Change['evidence'] = {};
  if (evidence.before !== undefined) ev.before = boundEvidence(evidence.before);
  if (evidence.after !== undefined) ev.after = boundEvidence(evidence.after);
  const change: Change = { kind, subject: boundSubject(subject), severity: kindSeverity(kind, extra.grade), summary: clip(summary, MAX_SUMMARY), evidence: ev };
  if (extra.details && extra.details.length > 0) change.details = capDetails(extra.details);
  return change;
}

/** A short rendering of any JSON value for a detail line. */
export function shortJson(value: unknown, max = 60): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return visible(value, max);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return clip(text, max).replace(INVISIBLE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}
