/**
 * Invisible, bidirectional and confusable characters: classifying them, rendering them visible,
 * and a length-tracking normalisation so that phrase rules see through `ig\u200Bnore` and `ѕend`.
 */

export type InvisibleClass = 'tag' | 'zero-width' | 'variation' | 'bidi-override' | 'bidi-mark' | 'control' | 'escape';

export function classify(cp: number): InvisibleClass | undefined {
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi-override';
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return 'bidi-mark';
  if (
    (cp >= 0x200b && cp <= 0x200d) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    cp === 0xfeff ||
    cp === 0x180e ||
    cp === 0x00ad ||
    cp === 0x034f ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    cp === 0x17b4 ||
    cp === 0x17b5
  )
    return 'zero-width';
  if (cp === 0x1b) return 'escape';
  if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f)) return 'control';
  return undefined;
}

/** Quick test so that plain ASCII text (nearly all of it) skips the slow paths. */
export function isPlainAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x09\x0a\x0d\x20-\x7e]/.test(text);
}

export function hex(cp: number): string {
  return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Renders a slice for a human: invisible and control characters become `<U+XXXX>`. */
export function renderVisible(text: string): string {
  if (isPlainAscii(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    out += classify(cp) ? hex(cp) : ch;
  }
  return out;
}

export const MAX_EXCERPT = 200;

/** A bounded, visible excerpt around [start, end) of text. */
export function excerpt(text: string, start: number, end: number): string {
  const from = Math.max(0, start - 50);
  const to = Math.min(text.length, Math.max(end, start) + 50, from + 400);
  let s = renderVisible(text.slice(from, to)).replace(/\s+/g, ' ');
  if (from > 0) s = `…${s}`;
  if (to < text.length) s = `${s}…`;
  return s.length > MAX_EXCERPT ? `${s.slice(0, MAX_EXCERPT - 1)}…` : s;
}

/** Latin look-alikes from Cyrillic, Greek and other scripts (a reviewed subset of UTS #39). */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y',
  'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ь': 'b',
  'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y',
  'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԁ': 'D', 'Һ': 'H', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ӏ': 'I',
  // Greek
  'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'υ': 'u', 'χ': 'x', 'τ': 't', 'ε': 'e',
  'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P',
  'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
  // Latin extensions and letter-like symbols
  'ı': 'i', 'ɡ': 'g', 'ɑ': 'a', 'ℓ': 'l', 'ⅰ': 'i', 'ⅼ': 'l', 'ⅽ': 'c', 'ⅾ': 'd', 'ⅿ': 'm',
};

/** Maps one code point to its ASCII skeleton, or undefined when it has none. */
export function skeletonChar(ch: string): string | undefined {
  const mapped = CONFUSABLES[ch];
  if (mapped) return mapped;
  const cp = ch.codePointAt(0) ?? 0;
  // Fullwidth ASCII block.
  if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCharCode(cp - 0xfee0);
  // Mathematical alphanumeric letters (bold, italic, script …) A–Z a–z.
  if (cp >= 0x1d400 && cp <= 0x1d6a3) {
    const i = (cp - 0x1d400) % 52;
    return String.fromCharCode(i < 26 ? 65 + i : 97 + i - 26);
  }
  return undefined;
}

/** The ASCII skeleton of a name for comparisons: confusables mapped, invisibles dropped, case folded. */
export function skeleton(name: string): string {
  let out = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0) ?? 0;
    if (classify(cp)) continue;
    out += skeletonChar(ch) ?? ch;
  }
  return out.toLowerCase();
}

export interface Normalized {
  text: string;
  /** map[i] = index in the original of normalised char i; map[text.length] = original length. */
  map: number[] | undefined;
}

/**
 * Removes invisible characters and maps confusables to ASCII, remembering where each character
 * came from so that findings point at the original text. Plain ASCII is returned as is.
 */
/** Every character normalizeForMatch would drop or map (a superset is fine: it only costs time). */
// eslint-disable-next-line no-control-regex, no-misleading-character-class
const CHANGES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u0131\u0251\u0261\u034f\u0370-\u052f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u2113\u2170-\u217f\u3164\ufe00-\ufe0f\ufeff\uff01-\uff5e\uffa0\ud835\udb40]/;

export function normalizeForMatch(text: string): Normalized {
  if (isPlainAscii(text) || !CHANGES.test(text)) return { text, map: undefined };
  let out = '';
  const map: number[] = [];
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const cls = classify(cp);
    if (!cls || cls === 'control') {
      const s = cls ? ' ' : (skeletonChar(ch) ?? ch);
      for (let k = 0; k < s.length; k++) map.push(i);
      out += s;
    }
    i += ch.length;
  }
  map.push(text.length);
  return { text: out, map };
}

export function toOriginal(n: Normalized, start: number, end: number): { start: number; end: number } {
  if (!n.map) return { start, end };
  const s = n.map[start] ?? 0;
  const e = end > start ? (n.map[end - 1] ?? s) + 1 : s;
  return { start: s, end: Math.max(e, s) };
}
