/**
 * Secrets hidden inside longer encoded runs. The content rules decode base64, hex and escaped
 * blobs and show the decoded text as evidence (core/src/rules/detect-text.ts), so a secret inside
 * `base64("Authorization: Bearer <secret>")` would reach an alert in clear through our own decoder
 * unless the blob is masked first. (Hex needs nothing here: the hex of a secret is a substring of
 * any longer hex run that holds it, so the plain `hex` form finds it.)
 */

/** Secrets shorter than this (in UTF-8 bytes) are not looked for inside runs: 1–3 bytes turn up by chance. */
export const MIN_BLOB_SECRET_BYTES = 4;

const BASE64_CHAR = /[A-Za-z0-9+/_=-]/;
const ESCAPE_RUN = /(?:\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|%[0-9a-fA-F]{2}|[A-Za-z0-9_.~+-])+/g;
const HAS_ESCAPE = /\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|%[0-9a-fA-F]{2}/;

/**
 * The base64 characters fixed by `bytes` wherever they sit in a longer stream: for each of the
 * three byte offsets within a 3-byte group, the characters that encode only the secret's bits.
 * Any base64 of data holding the secret contains one of them (in the standard alphabet; the
 * url-safe one spells `+/` as `-_`, so both are returned).
 */
export function base64Cores(bytes: Buffer): string[] {
  const cores = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const stream = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = stream.slice(first, end);
    if (core.length === 0) continue;
    cores.add(core);
    cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...cores];
}

/** The base64 run around [start, end): the whole blob, so no piece of it still decodes to part of the secret. */
export function base64RunAround(text: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  let e = end;
  while (s > 0 && BASE64_CHAR.test(text[s - 1]!)) s--;
  while (e < text.length && BASE64_CHAR.test(text[e]!)) e++;
  return { start: s, end: e };
}

/** Bytes of a `\xNN` / `%NN` / `\uXXXX` run (literal characters kept), as a latin1 string. */
function decodeEscapes(run: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < run.length; ) {
    if (run[i] === '\\' && run[i + 1] === 'x') {
      bytes.push(parseInt(run.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (run[i] === '\\' && run[i + 1] === 'u') {
      for (const b of Buffer.from(String.fromCharCode(parseInt(run.slice(i + 2, i + 6), 16)), 'utf8')) bytes.push(b);
      i += 6;
    } else if (run[i] === '%') {
      bytes.push(parseInt(run.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(run.charCodeAt(i) & 0xff);
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

/**
 * Runs of escapes mixed with plain characters (`a%62c`, `\x61bc`) that decode to bytes holding
 * one of `secrets` (each given as its UTF-8 bytes in a latin1 string). Returns [start, end, index].
 */
export function findInEscapeRuns(text: string, secrets: readonly string[]): Array<[number, number, number]> {
  const hits: Array<[number, number, number]> = [];
  if (!text.includes('%') && !text.includes('\\')) return hits;
  const shortest = Math.min(...secrets.filter((s) => s.length >= MIN_BLOB_SECRET_BYTES).map((s) => s.length));
  if (!Number.isFinite(shortest)) return hits;
  for (const m of text.matchAll(ESCAPE_RUN)) {
    if (m[0].length < shortest || !HAS_ESCAPE.test(m[0])) continue;
    const decoded = decodeEscapes(m[0]);
    const found = secrets.findIndex((s) => s.length >= MIN_BLOB_SECRET_BYTES && decoded.includes(s));
    if (found >= 0) hits.push([m.index, m.index + m[0].length, found]);
  }
  return hits;
}
