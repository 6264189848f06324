import type { Finding, TextField } from './types.js';
import { finding } from './finding.js';
import { classify, hex, isPlainAscii, skeleton, skeletonChar, type InvisibleClass } from './unicode.js';

const PICTO = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const BLACK_FLAG = 0x1f3f4;
const TAG_CANCEL = 0xe007f;

interface Run {
  cls: InvisibleClass;
  start: number;
  end: number;
  count: number;
  cps: number[];
}

/**
 * Invisible characters, grouped per class. Emoji sequences are not suspicious: a zero-width joiner
 * between pictographs, a variation selector after a symbol, a subdivision flag (🏴 + tags + cancel).
 */
export function detectInvisible(f: TextField): Finding[] {
  if (isPlainAscii(f.text)) return [];
  const chars = Array.from(f.text);
  const runs = new Map<InvisibleClass, Run>();
  let offset = 0;
  let inFlag = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    const cp = ch.codePointAt(0) ?? 0;
    const at = offset;
    offset += ch.length;
    if (cp === BLACK_FLAG) {
      inFlag = true;
      continue;
    }
    const cls = classify(cp);
    if (!cls) {
      inFlag = false;
      continue;
    }
    if (cls === 'tag' && inFlag) {
      if (cp === TAG_CANCEL) inFlag = false;
      continue;
    }
    const prev = chars[i - 1] ?? '';
    const next = chars[i + 1] ?? '';
    if (cp === 0x200d && PICTO.test(prev) && PICTO.test(next)) continue;
    if ((cp === 0xfe0f || cp === 0xfe0e) && prev !== '' && (PICTO.test(prev) || /[\p{S}\d#*]/u.test(prev))) continue;
    if (cp === 0xfeff && at === 0) continue; // a byte-order mark copied from a file
    const run = runs.get(cls);
    if (run) {
      run.end = at + ch.length;
      run.count++;
      if (run.cps.length < 4096) run.cps.push(cp);
    } else runs.set(cls, { cls, start: at, end: at + ch.length, count: 1, cps: [cp] });
  }
  const out: Finding[] = [];
  for (const run of runs.values()) {
    const names = [...new Set(run.cps.slice(0, 8).map(hex))].join(' ');
    switch (run.cls) {
      case 'tag': {
        const decoded = run.cps
          .filter((cp) => cp >= 0xe0020 && cp <= 0xe007e)
          .map((cp) => String.fromCharCode(cp - 0xe0000))
          .join('');
        out.push(finding('hidden-unicode', 'critical', 0.98, `${run.count} invisible Unicode tag characters spell hidden text`, f, run.start, run.end, decoded));
        break;
      }
      case 'zero-width': {
        const heavy = run.count >= 4;
        out.push(
          finding('hidden-unicode', heavy ? 'high' : 'medium', heavy ? 0.85 : 0.6,
            `${run.count} zero-width character(s) (${names})${heavy ? ', enough to encode hidden data' : ''}`, f, run.start, run.end),
        );
        break;
      }
      case 'variation': {
        if (run.count < 4) {
          out.push(finding('hidden-unicode', 'low', 0.3, `stray variation selector(s) (${names})`, f, run.start, run.end));
        } else {
          out.push(finding('hidden-unicode', 'high', 0.85, `${run.count} variation selectors outside emoji: a known way to smuggle bytes`, f, run.start, run.end));
        }
        break;
      }
      case 'escape':
        out.push(finding('hidden-unicode', 'high', 0.85, 'terminal escape sequence: can hide or rewrite text on a terminal', f, run.start, run.end));
        break;
      case 'control':
        out.push(finding('hidden-unicode', 'medium', 0.6, `${run.count} control character(s) (${names})`, f, run.start, run.end));
        break;
      case 'bidi-override': {
        const strong = run.cps.some((cp) => cp === 0x202d || cp === 0x202e);
        out.push(
          finding('bidi-override', strong ? 'high' : 'medium', strong ? 0.85 : 0.65,
            `bidirectional ${strong ? 'override' : 'embedding/isolate'} character(s) (${names}) change the displayed order`, f, run.start, run.end),
        );
        break;
      }
      case 'bidi-mark':
        out.push(finding('bidi-override', 'low', 0.3, `bidirectional mark(s) (${names})`, f, run.start, run.end));
        break;
    }
  }
  return out;
}

type Script = 'latin' | 'cyrillic' | 'greek' | 'other';

function scriptOf(ch: string): Script | undefined {
  if (!/\p{L}/u.test(ch)) return undefined;
  if (/\p{Script=Latin}/u.test(ch)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'cyrillic';
  if (/\p{Script=Greek}/u.test(ch)) return 'greek';
  return 'other';
}

/** Names (tools, parameters, prompts) that mix scripts or consist of look-alikes of ASCII. */
export function detectConfusableName(f: TextField): Finding[] {
  if (isPlainAscii(f.text)) return [];
  const scripts = new Set<Script>();
  let lookalikes = 0;
  let letters = 0;
  let firstOdd = -1;
  let lastOdd = -1;
  let offset = 0;
  for (const ch of f.text) {
    const s = scriptOf(ch);
    const cp = ch.codePointAt(0) ?? 0;
    const nonAscii = cp > 0x7e;
    if (s) {
      letters++;
      scripts.add(s);
    }
    if (nonAscii && skeletonChar(ch)) {
      lookalikes++;
      if (firstOdd < 0) firstOdd = offset;
      lastOdd = offset + ch.length;
    }
    offset += ch.length;
  }
  if (firstOdd < 0) return [];
  const skel = skeleton(f.text);
  const mixed = scripts.has('latin') && scripts.size > 1;
  const fullwidth = /[\uff01-\uff5e]|\ud835[\udc00-\udeff]/.test(f.text);
  if (mixed || lookalikes === letters || fullwidth) {
    return [
      finding('confusable-name', 'high', mixed ? 0.9 : 0.8,
        `${mixed ? 'mixed-script' : fullwidth ? 'fullwidth/styled' : 'look-alike'} name: reads as "${skel}" but uses ${lookalikes} non-ASCII look-alike character(s)`,
        f, firstOdd, lastOdd),
    ];
  }
  return [];
}

/** Words inside prose that mix Latin with look-alike letters, e.g. "ѕend": filter evasion. */
export function detectMixedScriptWords(f: TextField): Finding[] {
  if (isPlainAscii(f.text)) return [];
  const re = /[\p{L}\p{M}]{2,40}/gu;
  let count = 0;
  let first: { start: number; end: number; word: string } | undefined;
  for (const m of f.text.matchAll(re)) {
    const w = m[0];
    if (isPlainAscii(w)) continue;
    let latin = false;
    let look = false;
    for (const ch of w) {
      const s = scriptOf(ch);
      if (s === 'latin' && (ch.codePointAt(0) ?? 0) < 0x250) latin = true;
      else if (skeletonChar(ch)) look = true;
    }
    if (latin && look) {
      count++;
      first ??= { start: m.index, end: m.index + w.length, word: w };
      if (count > 50) break;
    }
  }
  if (!first) return [];
  const heavy = count >= 3;
  return [
    finding('confusable-name', heavy ? 'medium' : 'low', heavy ? 0.6 : 0.35,
      `${count} word(s) mix Latin with look-alike letters (e.g. "${skeleton(first.word)}")`, f, first.start, first.end),
  ];
}
