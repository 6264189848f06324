import { lowerHexLetters } from './encodings.js';

/**
 * A literal to find. `anyHexCase`: given with A–F in lower case, it is looked for in a copy of
 * the text whose A–F are lower-cased too (same length, so positions carry over); `wholeToken`:
 * only where it is not next to a letter or digit.
 */
export interface Pattern<T> {
  text: string;
  anyHexCase: boolean;
  wholeToken: boolean;
  payload: T;
}

export interface Match<T> {
  start: number;
  end: number;
  payload: T;
}

/** Alternatives per RegExp: a config with thousands of secrets compiles to several bounded ones. */
const CHUNK = 256;
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

interface Chunk<T> {
  re: RegExp;
  anyHexCase: boolean;
  byText: Map<string, T>;
}

/**
 * Finds every occurrence of many literals in one pass per chunk: one alternation RegExp (longest
 * literal first) scans a short text several times faster than an indexOf per literal, and the
 * per-string cost is what matters when a whole observation is masked string by string.
 * Overlapping occurrences of different literals are all reported (the scan resumes one character
 * after each match), so the caller can mask their union.
 */
export function createMatcher<T>(patterns: ReadonlyArray<Pattern<T>>): (text: string) => Array<Match<T>> {
  // The case-free literals are hex runs and escapes: skip them (and the lower-cased copy) for a
  // text without a long enough hex run, a `%XX` or a `\x` / `\u`, which is nearly every text.
  const shortestHex = Math.min(...patterns.filter((p) => p.anyHexCase).map((p) => p.text.length));
  const mayHoldHex = Number.isFinite(shortestHex)
    ? new RegExp(`[0-9a-fA-F]{${Math.min(shortestHex, 64)},}|%[0-9a-fA-F]{2}|\\\\[xu][0-9a-fA-F]{2}`)
    : undefined;
  const chunks: Array<Chunk<T>> = [];
  for (const anyHexCase of [false, true]) {
    const group = patterns.filter((p) => p.anyHexCase === anyHexCase).sort((a, b) => b.text.length - a.text.length);
    for (let i = 0; i < group.length; i += CHUNK) {
      const part = group.slice(i, i + CHUNK);
      const byText = new Map<string, T>();
      for (const p of part) if (!byText.has(p.text)) byText.set(p.text, p.payload);
      const source = part
        .map((p) => {
          const lit = p.text.replace(REGEX_SPECIAL, '\\$&');
          return p.wholeToken ? `(?<![A-Za-z0-9])${lit}(?![A-Za-z0-9])` : lit;
        })
        .join('|');
      chunks.push({ re: new RegExp(source, 'g'), anyHexCase, byText });
    }
  }
  return (text) => {
    const out: Array<Match<T>> = [];
    let hexLower: string | undefined;
    for (const chunk of chunks) {
      if (chunk.anyHexCase && !(hexLower ??= mayHoldHex?.test(text) ? lowerHexLetters(text) : '')) continue;
      const haystack = chunk.anyHexCase ? hexLower! : text;
      chunk.re.lastIndex = 0;
      for (let m = chunk.re.exec(haystack); m; m = chunk.re.exec(haystack)) {
        out.push({ start: m.index, end: m.index + m[0].length, payload: chunk.byText.get(m[0])! });
        chunk.re.lastIndex = m.index + 1;
      }
    }
    return out;
  };
}
