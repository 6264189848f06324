import type { SecretEncoding } from '../schemas/secret-exposure.js';

/**
 * One spelling of a secret to look for. `anyHexCase`: the hex digits in it may come in either
 * case (`%2f` and `%2F` are the same byte to every decoder, so a server could otherwise dodge the
 * mask by changing case); such a needle is stored with A–F in lower case and matched against a
 * copy of the text lower-cased the same way (over-matching the secret's own A–F letters in such a
 * form is harmless).
 */
export interface Needle {
  encoding: SecretEncoding;
  text: string;
  anyHexCase: boolean;
}

/** Lower-cases A–F only: keeps the length, so a position in the copy is a position in the text. */
export function lowerHexLetters(text: string): string {
  return text.replace(/[A-F]+/g, (s) => s.toLowerCase());
}

function hexByte(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** JSON string body as `JSON.stringify` writes it (no quotes). */
function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Python's `json.dumps` default: every non-ASCII UTF-16 unit as `\uXXXX`. */
function jsonAscii(value: string): string {
  return jsonEscaped(value).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formEncoded(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * Every whole-value form of `value` we recognise, deduplicated (a plain alphanumeric secret has
 * the same raw, JSON and URL spelling). base64 forms drop the padding: the padded form starts
 * with the unpadded one, and a server may strip it.
 *
 * Covered: raw; JSON-escaped (once and twice, `JSON.stringify` style and the ASCII-only style of
 * Python's `json.dumps`); URL-encoded (`encodeURIComponent`) and form-encoded (`+` for space);
 * base64 and base64url of the UTF-8 bytes; hex (which also finds the secret inside a longer hex
 * run); every byte escaped as `\xNN` or `%NN`, every unit as `\u00NN`; Unicode tag characters
 * (the invisible "ASCII smuggling" alphabet the content rules decode). Inside longer base64 or
 * escaped runs: see blob-check.ts.
 */
export function encodedForms(value: string): Needle[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Needle[] = [];
  const seen = new Set<string>();
  const add = (encoding: SecretEncoding, text: string, anyHexCase = false): void => {
    const key = anyHexCase ? lowerHexLetters(text) : text;
    if (key.length === 0 || seen.has(`${anyHexCase}:${key}`)) return;
    seen.add(`${anyHexCase}:${key}`);
    out.push({ encoding, text: key, anyHexCase });
  };
  const percent = (encoding: SecretEncoding, text: string): void => add(encoding, text, text.includes('%'));

  add('raw', value);
  const json = jsonEscaped(value);
  add('json-escaped', json);
  add('json-escaped', jsonEscaped(json));
  const ascii = jsonAscii(value);
  if (ascii !== json) add('json-escaped', ascii, true);
  percent('url-encoded', encodeURIComponent(value));
  percent('form-encoded', formEncoded(value));
  add('base64', bytes.toString('base64').replace(/=+$/, ''));
  add('base64url', bytes.toString('base64url'));
  add('hex', bytes.toString('hex'), true);
  const byteHex = [...bytes].map(hexByte);
  add('byte-escaped', byteHex.map((h) => `\\x${h}`).join(''), true);
  add('byte-escaped', byteHex.map((h) => `%${h}`).join(''), true);
  if (/^[\x00-\xff]*$/.test(value)) add('byte-escaped', [...value].map((c) => `\\u00${hexByte(c.charCodeAt(0))}`).join(''), true);
  if (/^[\x20-\x7e]+$/.test(value)) add('unicode-tags', [...value].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join(''));
  return out;
}
