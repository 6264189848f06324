/**
 * Which network addresses a probe may connect to (the SSRF policy). Pure: the probe applies it to
 * every address a host name resolves to, the config loader to literal addresses and names.
 *
 * - Always refused: cloud metadata addresses and names, link-local, unspecified, broadcast,
 *   multicast, and reserved ranges (documentation, IETF protocol assignments, future use,
 *   deprecated transition prefixes). No MCP server or model endpoint legitimately lives there, and
 *   a metadata service hands out the host's cloud credentials.
 * - Refused unless `allowPrivateNetwork`: private (RFC 1918, CGNAT 100.64/10, benchmarking
 *   198.18/15, unique-local fc00::/7, site-local fec0::/10) and loopback (127/8, ::1, `localhost`).
 * - IPv4 embedded in IPv6 (mapped ::ffff:0:0/96, compatible ::/96, translated ::ffff:0:0:0/96,
 *   NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address, since that is where the
 *   packets end up. Local-use NAT64 (64:ff9b:1::/48) is an operator's own translator: at least
 *   private, and judged by its last 32 bits (the /96 layout) on top; other layouts are not decoded.
 * - IPv6 outside 2000::/3 and the ranges above is refused: it is not global unicast.
 */
import { formatIpv4, hasPrefix, parseIp, parseIpv4, parseIpv6 } from './ip-address.js';

export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'metadata'
  | 'link-local'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'reserved'
  | 'invalid';

export interface AddressClass {
  kind: AddressKind;
  /** "a cloud metadata address", "an IPv4-mapped form of 10.0.0.1 (a private address)" … */
  label: string;
}

/** Kinds allowed only when the server (or the config) sets `allowPrivateNetwork: true`. */
const PRIVATE_KINDS: ReadonlySet<AddressKind> = new Set(['private', 'loopback']);

const LABELS: Record<AddressKind, string> = {
  public: 'a public address',
  private: 'a private network address',
  loopback: 'a loopback address',
  metadata: 'a cloud metadata address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not an IP address',
};

type Range = { prefix: Uint8Array; bits: number; kind: AddressKind };

function v4(cidr: string, kind: AddressKind): Range {
  const [ip, bits] = cidr.split('/');
  return { prefix: parseIpv4(ip!)!, bits: Number(bits ?? 32), kind };
}

function v6(cidr: string, kind: AddressKind): Range {
  const [ip, bits] = cidr.split('/');
  return { prefix: parseIpv6(ip!)!, bits: Number(bits ?? 128), kind };
}

/** First match wins, so the exact metadata addresses come before the ranges that contain them. */
const IPV4_RANGES: readonly Range[] = [
  v4('169.254.169.254', 'metadata'), // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack …
  v4('169.254.170.2', 'metadata'), // ECS task metadata and credentials
  v4('169.254.170.23', 'metadata'), // EKS Pod Identity agent
  v4('169.254.0.23', 'metadata'), // Tencent Cloud
  v4('100.100.100.200', 'metadata'), // Alibaba Cloud
  v4('192.0.0.192', 'metadata'), // Oracle Cloud
  v4('168.63.129.16', 'metadata'), // Azure WireServer (a public address that only the host answers)
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'private'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'private'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255', 'broadcast'),
  v4('240.0.0.0/4', 'reserved'),
];

const IPV6_RANGES: readonly Range[] = [
  v6('::', 'unspecified'),
  v6('::1', 'loopback'),
  v6('fd00:ec2::/32', 'metadata'), // AWS instance services: IMDS fd00:ec2::254, EKS Pod Identity fd00:ec2::23
  v6('100::/64', 'reserved'), // discard-only
  v6('2001::/23', 'reserved'), // IETF protocol assignments, Teredo, ORCHID, benchmarking
  v6('2001:db8::/32', 'reserved'), // documentation
  v6('3fff::/20', 'reserved'), // documentation
  v6('5f00::/16', 'reserved'), // SRv6 SIDs
  v6('fc00::/7', 'private'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // deprecated site-local
  v6('ff00::/8', 'multicast'),
  v6('2000::/3', 'public'),
];

/** IPv6 prefixes that carry an IPv4 address: where it sits, and the least the prefix itself is. */
const EMBEDDING: ReadonlyArray<{ prefix: Uint8Array; bits: number; at: number; name: string; atLeast?: AddressKind }> = [
  { prefix: parseIpv6('::ffff:0:0')!, bits: 96, at: 12, name: 'IPv4-mapped' },
  { prefix: parseIpv6('::ffff:0:0:0')!, bits: 96, at: 12, name: 'IPv4-translated' },
  { prefix: parseIpv6('::')!, bits: 96, at: 12, name: 'IPv4-compatible' },
  { prefix: parseIpv6('64:ff9b::')!, bits: 96, at: 12, name: 'NAT64' },
  { prefix: parseIpv6('64:ff9b:1::')!, bits: 48, at: 12, name: 'local-use NAT64', atLeast: 'private' },
  { prefix: parseIpv6('2002::')!, bits: 16, at: 2, name: '6to4' },
];

const RANK: Record<AddressKind, number> = {
  public: 0,
  private: 1,
  loopback: 1,
  metadata: 2,
  'link-local': 2,
  unspecified: 2,
  broadcast: 2,
  multicast: 2,
  reserved: 2,
  invalid: 2,
};

function classifyV4(bytes: Uint8Array): AddressKind {
  return IPV4_RANGES.find((r) => hasPrefix(bytes, r.prefix, r.bits))?.kind ?? 'public';
}

function classifyV6(bytes: Uint8Array): AddressClass {
  // :: and ::1 sit inside ::/96 (IPv4-compatible) but are not IPv4 addresses.
  if (hasPrefix(bytes, parseIpv6('::')!, 127)) {
    const kind = bytes[15] === 0 ? 'unspecified' : 'loopback';
    return { kind, label: LABELS[kind] };
  }
  for (const e of EMBEDDING) {
    if (!hasPrefix(bytes, e.prefix, e.bits)) continue;
    const v4 = bytes.slice(e.at, e.at + 4);
    let kind = classifyV4(v4);
    if (e.atLeast && RANK[e.atLeast] > RANK[kind]) kind = e.atLeast;
    const article = /^[aeiouI]/.test(e.name) ? 'an' : 'a';
    return { kind, label: `${article} ${e.name} form of ${formatIpv4(v4)} (${LABELS[kind]})` };
  }
  const kind = IPV6_RANGES.find((r) => hasPrefix(bytes, r.prefix, r.bits))?.kind ?? 'reserved';
  return { kind, label: LABELS[kind] };
}

/** Classifies an IP address as text (canonical IPv4, any IPv6 form, brackets and zone allowed). */
export function classifyAddress(text: string): AddressClass {
  const ip = parseIp(text.startsWith('[') ? text.slice(1, -1) : text);
  if (!ip) return { kind: 'invalid', label: LABELS.invalid };
  if (ip.family === 4) {
    const kind = classifyV4(ip.bytes);
    return { kind, label: LABELS[kind] };
  }
  return classifyV6(ip.bytes);
}

/**
 * Names of metadata services: refused before any DNS query, since inside a cloud they resolve to
 * the metadata address and outside it they should not resolve at all.
 */
export const METADATA_HOST_NAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

export type HostClass = AddressClass | { kind: 'name'; label: string };

/**
 * Classifies a URL's host (`URL.hostname`, already normalised by the WHATWG parser: decimal,
 * hex and short IPv4 forms are dotted quads by then, IPv6 is in brackets). A host name that is
 * neither a metadata name nor `localhost` is `name`: it must be resolved and every address checked.
 */
export function classifyHost(hostname: string): HostClass {
  const bracketed = hostname.startsWith('[') && hostname.endsWith(']');
  if (bracketed || parseIp(hostname)) return classifyAddress(hostname);
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOST_NAMES.has(name)) return { kind: 'metadata', label: 'a cloud metadata host name' };
  // RFC 6761: localhost and its subdomains are loopback, whatever a resolver says.
  if (name === 'localhost' || name.endsWith('.localhost')) return { kind: 'loopback', label: 'a loopback host name' };
  return { kind: 'name', label: 'a host name' };
}

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      /** True when even `allowPrivateNetwork: true` would not allow it. */
      always: boolean;
      label: string;
    };

/** Applies the policy to one classification. */
export function addressVerdict(cls: HostClass, allowPrivateNetwork: boolean): AddressVerdict {
  if (cls.kind === 'public' || cls.kind === 'name') return { allowed: true };
  if (PRIVATE_KINDS.has(cls.kind)) return allowPrivateNetwork ? { allowed: true } : { allowed: false, always: false, label: cls.label };
  return { allowed: false, always: true, label: cls.label };
}

/**
 * The problem with an endpoint URL's host as far as it can be told without DNS (config load), or
 * undefined. The message names the host only: never a path, query or credentials.
 */
export function endpointHostProblem(rawUrl: string, allowPrivateNetwork: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined; // the URL's own validation reports it
  }
  const verdict = addressVerdict(classifyHost(url.hostname), allowPrivateNetwork);
  if (verdict.allowed) return undefined;
  // "(got …)" last: the config loader drops it when the value came from the environment.
  return verdict.always
    ? `host is ${verdict.label}, which Driftwatch never connects to (got ${url.hostname})`
    : `host is ${verdict.label}; set allowPrivateNetwork: true on this server (or at the top level) to allow it (got ${url.hostname})`;
}
