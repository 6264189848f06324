import { renderVisible } from '@driftwatch/core';

/**
 * Text helpers shared by the receivers. Every limit here is in UTF-16 code units, which is never
 * more than the characters a receiver counts, so a text that fits here fits there.
 */

/** Cuts `text` to at most `max` units with a trailing `…`, never splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Untrusted text for a human: invisible characters (zero-width, bidi controls, Unicode tags,
 * variation selectors, C0/C1 controls) become `<U+200B>` marks, so a page cannot hide them.
 */
export function visible(text: string): string {
  return renderVisible(text);
}

/** A one-line, visible, bounded rendering of untrusted text (for reasons and summaries). */
export function oneLine(text: string, max: number): string {
  return clip(visible(text).replace(/\s+/g, ' ').trim(), max);
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Replaces every occurrence of each secret in `text` (a receiver's answer may echo what we sent). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** JSON.parse that answers undefined instead of throwing (for receivers' answer bodies). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
