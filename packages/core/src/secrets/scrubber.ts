import type { SecretEncoding } from '../schemas/secret-exposure.js';
import { base64Cores, base64RunAround, findInEscapeRuns, MIN_BLOB_SECRET_BYTES } from './blob-check.js';
import { encodedForms, type Needle } from './encodings.js';
import { createMatcher } from './needle-matcher.js';

/** A configured value that must never be shown, and where it was configured (never the value). */
export interface SecretValue {
  value: string;
  /** `env:NAME`, `header:NAME`, `arg:2`, `url:password`, `url:query:NAME` … */
  source: string;
}

export interface ScrubHit {
  source: string;
  encoding: SecretEncoding;
}

export interface Scrubber {
  /** Number of distinct secret values; 0 means scrub() returns its input. */
  readonly size: number;
  /** `text` with every recognised form of every secret replaced by its mask. */
  scrub(text: string): string;
  /** The same, and which secrets were found in which form. */
  mask(text: string): { text: string; hits: ScrubHit[] };
}

/**
 * Below this many characters a secret is only matched as a whole token (not next to a letter or
 * digit): a 1–3 character value would otherwise mask pieces of ordinary words and numbers.
 */
export const SHORT_SECRET_LENGTH = 4;

const MAX_SOURCE_IN_MASK = 40;

/**
 * The fixed text that replaces a secret: names where it was configured, never the value, and is
 * the same on every poll so that masked text fingerprints the same way each time. Bounded (≤ 51
 * characters) so that it fits every string field of a snapshot.
 */
export function maskOf(source: string): string {
  const safe = source.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, MAX_SOURCE_IN_MASK);
  return `[redacted:${safe}]`;
}

interface Compiled {
  needle: Needle;
  secret: number;
  short: boolean;
}

interface Region {
  start: number;
  end: number;
  secret: number;
  encoding: SecretEncoding;
}

function compile(secrets: readonly SecretValue[]): Compiled[] {
  const out: Compiled[] = [];
  secrets.forEach((s, secret) => {
    const short = s.value.length < SHORT_SECRET_LENGTH;
    for (const needle of encodedForms(s.value)) out.push({ needle, secret, short });
  });
  return out;
}

/** The marker excerpt() and truncateText() end a cut with. */
const CUT = '\u2026';
/** Shortest start of a secret that is masked when a cut ends on it. */
const MIN_CUT_PREFIX = 3;

/**
 * Reasons and notes quote untrusted text cut to a length *before* they are scrubbed; a cut can
 * fall inside a secret and leave its first characters, which no longer match the whole form.
 * Where a cut marker follows the start of a literal form, that start is masked too.
 */
function findCutPrefixes(text: string, compiled: readonly Compiled[]): Region[] {
  const regions: Region[] = [];
  for (let at = text.indexOf(CUT); at !== -1; at = text.indexOf(CUT, at + 1)) {
    let best: Region | undefined;
    for (const c of compiled) {
      const lit = c.needle.text;
      if (c.needle.anyHexCase || c.short) continue;
      for (let k = Math.min(lit.length - 1, at); k >= MIN_CUT_PREFIX; k--) {
        if (best && at - k >= best.start) break;
        if (text.startsWith(lit.slice(0, k), at - k)) {
          best = { start: at - k, end: at, secret: c.secret, encoding: c.needle.encoding };
          break;
        }
      }
    }
    if (best) regions.push(best);
  }
  return regions;
}

/** Replaces the union of `regions` (overlaps merged, so no piece of any match survives). */
function replaceRegions(text: string, regions: Region[], masks: readonly string[], hits: ScrubHit[], sources: readonly string[]): string {
  if (regions.length === 0) return text;
  regions.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  let i = 0;
  while (i < regions.length) {
    const first = regions[i]!;
    let end = first.end;
    hits.push({ source: sources[first.secret]!, encoding: first.encoding });
    for (i++; i < regions.length && regions[i]!.start < end; i++) {
      const r = regions[i]!;
      end = Math.max(end, r.end);
      hits.push({ source: sources[r.secret]!, encoding: r.encoding });
    }
    out += text.slice(pos, first.start) + masks[first.secret]!;
    pos = end;
  }
  return out + text.slice(pos);
}

/**
 * Builds a scrubber for a set of configured secrets: every form listed in encodings.ts is
 * replaced by the secret's mask; the start of a form cut off by `…` is masked; then base64 and
 * escaped runs that hold a secret are masked whole (blob-check.ts). Pure and synchronous;
 * build it once per server (or per config) and reuse it: compiling costs more than scanning.
 */
export function createScrubber(secrets: readonly SecretValue[]): Scrubber {
  // One entry per distinct value: the first source that configured it names it.
  const unique: SecretValue[] = [];
  const seen = new Set<string>();
  for (const s of secrets) {
    if (s.value.length === 0 || seen.has(s.value)) continue;
    seen.add(s.value);
    unique.push(s);
  }
  const compiled = compile(unique);
  const findNeedles = createMatcher(
    compiled.map((c) => ({ text: c.needle.text, anyHexCase: c.needle.anyHexCase, wholeToken: c.short, payload: c })),
  );
  const sources = unique.map((s) => s.source);
  const masks = sources.map(maskOf);
  const blobSecrets = unique.map((s) => Buffer.from(s.value, 'utf8').toString('latin1'));
  const findCores = createMatcher(
    unique.flatMap((s, secret) => {
      const bytes = Buffer.from(s.value, 'utf8');
      return bytes.length < MIN_BLOB_SECRET_BYTES ? [] : base64Cores(bytes).map((text) => ({ text, anyHexCase: false, wholeToken: false, payload: secret }));
    }),
  );

  /** Secrets inside longer base64 runs (by their fixed characters) and escaped runs (by decoding). */
  const findInBlobs = (text: string): Region[] => [
    ...findCores(text).map((m): Region => ({ ...base64RunAround(text, m.start, m.end), secret: m.payload, encoding: 'in-base64' })),
    ...findInEscapeRuns(text, blobSecrets).map(([start, end, secret]): Region => ({ start, end, secret, encoding: 'in-escapes' })),
  ];

  const mask = (text: string): { text: string; hits: ScrubHit[] } => {
    const hits: ScrubHit[] = [];
    if (unique.length === 0 || text.length === 0) return { text, hits };
    const needles = findNeedles(text).map((m): Region => ({ start: m.start, end: m.end, secret: m.payload.secret, encoding: m.payload.needle.encoding }));
    let first = replaceRegions(text, needles, masks, hits, sources);
    if (first.includes(CUT)) first = replaceRegions(first, findCutPrefixes(first, compiled), masks, hits, sources);
    return { text: replaceRegions(first, findInBlobs(first), masks, hits, sources), hits };
  };
  return {
    size: unique.length,
    mask,
    scrub: (text) => mask(text).text,
  };
}
