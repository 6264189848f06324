/**
 * Splits prose into the units a directive lives in: sentences, lines and list items. Offsets index the text given (the normalised text rules match on), so a finding's
 * span maps back to the original through the caller's map.
 */
export interface Segment {
  start: number;
  end: number;
  text: string;
}

/**
 * A description with more sentences than this is abusive; only its head and its tail are parsed
 * into directives (an instruction appended after a long reference must not fall off the end).
 */
const MAX_SEGMENTS = 400;
const TAIL_SEGMENTS = 100;
/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATION = /(?:\be\.g|\bi\.e|\betc|\bvs|\bcf|\bapprox|\bincl|\bex|\bno|\bv\d*|\bdr|\bmr|\bms|\bst)$/i;

export function segments(text: string): Segment[] {
  let out: Segment[] = [];
  let start = 0;
  let dropped = false;
  const push = (end: number): void => {
    // Trim without losing offsets.
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s] ?? '')) s++;
    while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
    if (e - s < 3) return;
    // Past the cap, keep a sliding window of the last sentences (compacted now and then).
    if (out.length >= MAX_SEGMENTS + TAIL_SEGMENTS) {
      out = [...out.slice(0, MAX_SEGMENTS - TAIL_SEGMENTS), ...out.slice(-TAIL_SEGMENTS)];
      dropped = true;
    }
    out.push({ start: s, end: e, text: text.slice(s, e) });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    // A semicolon joins clauses of one instruction ("must be `1000`; other values are ignored").
    if (c === '\n') {
      push(i);
      start = i + 1;
    } else if ((c === '.' || c === '!' || c === '?') && /\s/.test(text[i + 1] ?? ' ')) {
      // "e.g. foo" and "v1.2" are not sentence ends; a dot inside a path or URL has no space after it.
      if (c === '.' && ABBREVIATION.test(text.slice(Math.max(0, i - 8), i))) continue;
      push(i + 1);
      start = i + 1;
    }
  }
  push(text.length);
  if (dropped || out.length > MAX_SEGMENTS) out = [...out.slice(0, MAX_SEGMENTS - TAIL_SEGMENTS), ...out.slice(-TAIL_SEGMENTS)];
  return out;
}
