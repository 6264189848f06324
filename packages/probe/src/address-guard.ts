import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { addressVerdict, classifyAddress, classifyHost } from '@driftwatch/core';
import { ProbeError } from './failure.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (like `dns.lookup(name, { all: true })`). */
export type ResolveHost = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address in the resolver's order. */
export const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface AddressGuardOptions {
  allowPrivateNetwork: boolean;
  /** Defaults to the system resolver; tests make a name resolve to any address without DNS. */
  resolve?: ResolveHost;
  /** Called once per refusal, before the error is thrown (the probe fails as `blocked_address`). */
  onRefused?: (error: ProbeError) => void;
}

/**
 * The SSRF guard of one probe. Every host is resolved at most once per probe and every address
 * it resolves to is checked; connections then use only those checked addresses (`lookup`), so a
 * DNS answer that changes between the check and the connect (DNS rebinding) has no effect.
 */
export interface AddressGuard {
  /** Checked addresses of a host (a literal address is checked as is). Rejects with `blocked_address`. */
  resolve(hostname: string): Promise<ReadonlyArray<ResolvedAddress>>;
  /** A `net.connect`/`tls.connect` lookup that answers only from `resolve` (never a second query). */
  readonly lookup: LookupFunction;
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function notFound(hostname: string): Error {
  return Object.assign(new Error(`${hostname} did not resolve to any address`), { code: 'ENOTFOUND' });
}

/** The first address the policy refuses, if any (every address is judged, not just the first). */
export function refusedAnswer(
  addresses: ReadonlyArray<ResolvedAddress>,
  allowPrivateNetwork: boolean,
): { address: string; label: string; allowable: boolean } | undefined {
  for (const a of addresses) {
    const v = addressVerdict(classifyAddress(a.address), allowPrivateNetwork);
    if (!v.allowed) return { address: a.address, label: v.label, allowable: !v.always };
  }
  return undefined;
}

export function createAddressGuard(options: AddressGuardOptions): AddressGuard {
  const resolveHost = options.resolve ?? systemResolve;
  const cache = new Map<string, Promise<ReadonlyArray<ResolvedAddress>>>();

  const refuse = (message: string, allowable: boolean): never => {
    const hint = allowable ? ' (allowed only with allowPrivateNetwork: true)' : '';
    const error = new ProbeError('blocked_address', `refused to connect to ${message}${hint}`);
    options.onRefused?.(error);
    throw error;
  };

  async function check(hostname: string): Promise<ReadonlyArray<ResolvedAddress>> {
    const host = classifyHost(hostname);
    const verdict = addressVerdict(host, options.allowPrivateNetwork);
    // Literal addresses, metadata names and localhost are judged before any DNS query.
    if (!verdict.allowed) return refuse(`${hostname}: ${verdict.label}`, !verdict.always);
    if (host.kind !== 'name') {
      const address = bare(hostname);
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    }
    const answers = await resolveHost(hostname);
    if (answers.length === 0) throw notFound(hostname);
    // Every address, not just the first: the connection may fall back to any of them.
    const refused = refusedAnswer(answers, options.allowPrivateNetwork);
    if (refused) return refuse(`${hostname}: it resolves to ${refused.address}, ${refused.label}`, refused.allowable);
    return answers.map((a) => ({ address: a.address, family: a.address.includes(':') ? 6 : 4 }));
  }

  function resolve(hostname: string): Promise<ReadonlyArray<ResolvedAddress>> {
    // undici hands over `::1`, the URL has `[::1]`: one entry per host either way.
    const key = bare(hostname).toLowerCase();
    let pending = cache.get(key);
    if (!pending) {
      // Never refuse synchronously: onRefused aborts the probe's signal, and undici's fetch
      // asserts when its signal aborts while it is still starting the request.
      pending = Promise.resolve(key).then(check);
      // A refusal or resolver error is remembered too: one answer per host per probe.
      pending.catch(() => undefined);
      cache.set(key, pending);
    }
    return pending;
  }

  return { resolve, lookup: lookupFrom(resolve) };
}

/**
 * A `net.connect`/`tls.connect` lookup that answers from `addressesOf` only (never a DNS query of
 * its own), honouring the family and `all` asked for.
 */
export function lookupFrom(addressesOf: (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>): LookupFunction {
  return ((hostname: string, opts: unknown, callback: unknown): void => {
    const cb = (typeof opts === 'function' ? opts : callback) as (err: Error | null, address?: unknown, family?: number) => void;
    const o = (typeof opts === 'object' && opts ? opts : {}) as { all?: boolean; family?: number | string };
    const family = o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : Number(o.family ?? 0);
    addressesOf(hostname).then(
      (addresses) => {
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) return cb(notFound(hostname));
        if (o.all) return cb(null, usable.map((a) => ({ address: a.address, family: a.family })));
        cb(null, usable[0]!.address, usable[0]!.family);
      },
      (err: Error) => cb(err),
    );
  }) as LookupFunction;
}
