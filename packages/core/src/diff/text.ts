import { signed, visible } from './format.js';

export interface TextEdit {
  /** Offset (UTF-16 units) where the texts start to differ. */
  at: number;
  removed: string;
  inserted: string;
}

/**
 * The single edit that turns `before` into `after`: everything between the common prefix and
 * the common suffix. Cheap (linear), and for the usual rug pull — a sentence slipped into a
 * description — it is exactly the inserted text.
 */
export function textEdit(before: string, after: string): TextEdit {
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  // Never cut a surrogate pair in half.
  if (p > 0 && isHighSurrogate(before.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && isLowSurrogate(before.charCodeAt(before.length - s))) s--;
  return { at: p, removed: before.slice(p, before.length - s), inserted: after.slice(p, after.length - s) };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Detail lines for a changed text field, e.g. `description: + inserted at 40: "…"`. */
export function describeTextChange(label: string, before: string | undefined, after: string | undefined): string[] {
  if (before === after) return [];
  if (before === undefined) return [`+ ${label} added (${after?.length ?? 0} chars): ${visible(after ?? '')}`];
  if (after === undefined) return [`- ${label} removed (${before.length} chars): ${visible(before)}`];
  const edit = textEdit(before, after);
  const lines = [`~ ${label}: ${before.length} → ${after.length} chars (${signed(after.length - before.length)})`];
  if (edit.removed) lines.push(`- ${label} removed at ${edit.at}: ${visible(edit.removed)}`);
  if (edit.inserted) lines.push(`+ ${label} inserted at ${edit.at}: ${visible(edit.inserted)}`);
  return lines;
}

export function lengthDelta(before: string | undefined, after: string | undefined): string {
  return `${signed((after?.length ?? 0) - (before?.length ?? 0))} chars`;
}
