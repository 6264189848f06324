/**
 * A pure parser for IP address text, so that the address policy can live in core (no `node:net`).
 *
 * Deliberately strict: IPv4 only as four decimal octets without leading zeros, which is what the
 * WHATWG URL parser produces after it has normalised `2130706433`, `0x7f.1` or `127.1`, and what a
 * resolver returns. Anything else is "not an IP address"; callers that need an address (a resolver
 * answer) must treat that as a refusal, never as a host name to look up again.
 */

export type IpAddress = { family: 4; bytes: Uint8Array } | { family: 6; bytes: Uint8Array };

const DECIMAL_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** `"10.0.0.1"` → 4 bytes; undefined unless exactly four canonical decimal octets. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

/**
 * `"fd00:ec2::254"`, `"::ffff:169.254.169.254"`, `"[::1]"`, `"fe80::1%eth0"` → 16 bytes. A zone id
 * is dropped (it only picks an interface; the address keeps its class).
 */
export function parseIpv6(input: string): Uint8Array | undefined {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.length === 0 || text.length > 45) return undefined;

  // A trailing dotted IPv4 stands for the last two groups.
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }

  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const count = head.length + rest.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;

  const all = [...head, ...Array<string>(8 - count).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!HEX_GROUP.test(g)) return undefined;
    const n = parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  }
  if (tail) bytes.set(tail, 12);
  return bytes;
}

/** Either family, or undefined when the text is not a canonical IP address. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  if (!text.includes(':')) return undefined;
  const v6 = parseIpv6(text);
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/** 4 bytes → `"a.b.c.d"`, for messages that name an embedded IPv4 address. */
export function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** True when the first `bits` bits of `bytes` equal those of `prefix`. */
export function hasPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== prefix[i]) return false;
  const rem = bits & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return ((bytes[whole]! ^ prefix[whole]!) & mask) === 0;
}
