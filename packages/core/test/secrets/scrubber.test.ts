import { describe, expect, it } from 'vitest';
import { createScrubber, maskOf, SHORT_SECRET_LENGTH } from '../../src/secrets/index.js';

const bytes = (v: string) => Buffer.from(v, 'utf8');
const tags = (v: string) => [...v].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');

/** A 5-character secret with characters that JSON-escaping and URL-encoding change. */
const SECRET = 'p"9\\Z';
const SOURCE = 'env:CANARY_TOKEN';
const MASK = maskOf(SOURCE);

/** Every form the scrubber promises to cover, as a server would write it. */
function forms(v: string): Record<string, string> {
  const json = JSON.stringify(v).slice(1, -1);
  return {
    raw: v,
    'json-escaped': json,
    'json-escaped twice': JSON.stringify(json).slice(1, -1),
    'url-encoded': encodeURIComponent(v),
    'url-encoded, lower-case hex': encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'form-encoded': new URLSearchParams({ k: v }).toString().slice(2),
    base64: bytes(v).toString('base64'),
    'base64 without padding': bytes(v).toString('base64').replace(/=+$/, ''),
    base64url: bytes(v).toString('base64url'),
    hex: bytes(v).toString('hex'),
    'hex, upper case': bytes(v).toString('hex').toUpperCase(),
    '\\x escapes': [...bytes(v)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''),
    '% escapes of every byte': [...bytes(v)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    '\\u00 escapes': [...v].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    'unicode tags': tags(v),
    'inside a base64 blob': bytes(`Authorization: ${v}; keep it`).toString('base64'),
    'inside a base64 blob, misaligned': `x${bytes(`ab${v} and more text`).toString('base64')}`,
    'inside a base64url blob': bytes(`token=${v}&scope=all`).toString('base64url'),
    'inside a hex blob': bytes(`token=${v}!`).toString('hex'),
    'inside a hex blob, odd offset': `f${bytes(`token=${v}!`).toString('hex')}`,
    'inside a run of escapes': [...bytes(`key ${v}`)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  };
}

describe('createScrubber', () => {
  const scrubber = createScrubber([{ value: SECRET, source: SOURCE }]);

  it.each(Object.entries(forms(SECRET)))('masks the secret written as %s', (_name, form) => {
    const { text, hits } = scrubber.mask(`before ${form} after`);
    expect(text).toContain(MASK);
    expect(text.startsWith('before ')).toBe(true);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.source === SOURCE)).toBe(true);
    for (const other of Object.values(forms(SECRET))) expect(text).not.toContain(other);
  });

  it('names the form it found', () => {
    expect(scrubber.mask(bytes(SECRET).toString('base64')).hits[0]?.encoding).toBe('base64');
    expect(scrubber.mask(JSON.stringify({ t: SECRET })).hits[0]?.encoding).toBe('json-escaped');
    // 4 bytes before it: the secret's own base64 does not appear, only decoding finds it.
    expect(scrubber.mask(bytes(`tok ${SECRET} here`).toString('base64')).hits[0]?.encoding).toBe('in-base64');
    expect(scrubber.mask(tags(SECRET)).hits[0]?.encoding).toBe('unicode-tags');
  });

  it('masks every occurrence and gives the same text every time (stable fingerprints)', () => {
    const text = `${SECRET} and ${SECRET} and ${bytes(SECRET).toString('hex')}`;
    const once = scrubber.scrub(text);
    expect(once).toBe(`${MASK} and ${MASK} and ${MASK}`);
    expect(scrubber.scrub(text)).toBe(once);
    // Scrubbing twice (probe, then logger) changes nothing more.
    expect(scrubber.scrub(once)).toBe(once);
  });

  it('masks the start of a secret that a cut (…) left behind', () => {
    const long = createScrubber([{ value: 'sk-live-0123456789abcdef', source: 'header:Authorization' }]);
    expect(long.scrub('server said: token sk-live-01234…')).toBe('server said: token [redacted:header:Authorization]…');
  });

  it('leaves text without a secret alone, including ordinary words and numbers', () => {
    const text = 'Reads a file (max 1 MiB) and returns its content as JSON; see https://example.com/docs?x=1.';
    expect(scrubber.mask(text)).toEqual({ text, hits: [] });
  });

  it(`matches a secret shorter than ${SHORT_SECRET_LENGTH} characters only as a whole token`, () => {
    const short = createScrubber([{ value: 'q7', source: 'env:PIN' }]);
    expect(short.scrub('pin q7, not aq7 or q7b; "q7"')).toBe('pin [redacted:env:PIN], not aq7 or q7b; "[redacted:env:PIN]"');
    // Its base64 form too, as a token of its own.
    expect(short.scrub(`auth ${bytes('q7').toString('base64')}`)).toBe('auth [redacted:env:PIN]=');
  });

  it('masks secrets of any length from one character up, whole tokens only', () => {
    const one = createScrubber([{ value: 'x', source: 'env:X' }]);
    expect(one.scrub('x marks the spot; box')).toBe('[redacted:env:X] marks the spot; box');
  });

  it('masks overlapping finds of two secrets as one region, leaving no piece of either', () => {
    const two = createScrubber([
      { value: 'alpha-1234', source: 'env:A' },
      { value: '1234-omega', source: 'env:B' },
    ]);
    const out = two.scrub('x alpha-1234-omega y');
    expect(out).not.toMatch(/alpha|omega|1234/);
    expect(out).toBe('x [redacted:env:A] y');
  });

  it('names the first source of a value configured twice, and never the value in a mask', () => {
    const twice = createScrubber([
      { value: 'tok-abcdef', source: 'env:API_TOKEN' },
      { value: 'tok-abcdef', source: 'header:Authorization' },
    ]);
    expect(twice.size).toBe(1);
    expect(twice.scrub('tok-abcdef')).toBe('[redacted:env:API_TOKEN]');
    expect(maskOf('url:query:a"b]c')).toBe('[redacted:url:query:a_b_c]');
    expect(maskOf(`env:${'N'.repeat(200)}`).length).toBeLessThanOrEqual(51);
  });

  it('handles non-ASCII secrets in UTF-8 forms and Python-style \\u escapes', () => {
    const s = createScrubber([{ value: 'clé-Ωmega', source: 'env:K' }]);
    const pythonJson = 'cl\\u00e9-\\u03a9mega';
    for (const form of ['clé-Ωmega', pythonJson, 'cl\\u00E9-\\u03A9mega', bytes('clé-Ωmega').toString('base64'), encodeURIComponent('clé-Ωmega')]) {
      const out = s.scrub(`[${form}]`);
      expect(out, form).toMatch(/^\[\[redacted:env:K\]=?\]$/);
    }
  });

  it('is a no-op without secrets', () => {
    const none = createScrubber([]);
    expect(none.size).toBe(0);
    expect(none.scrub(SECRET)).toBe(SECRET);
  });
});
