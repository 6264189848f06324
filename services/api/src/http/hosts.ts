/**
 * The `Host` allowlist. A page on attacker.example that rebinds its DNS name to 127.0.0.1 reaches
 * the API from the victim's browser with `Host: attacker.example`; refusing names we don't serve
 * defeats that (DNS rebinding). Loopback names are always allowed; deployments add theirs with
 * `api.allowedHosts` (`name` for any port, `name:port` for one port).
 */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

interface HostPort {
  name: string;
  port?: string;
}

/** `Name:port` / `[v6]:port` → parts, lower-cased; undefined when it is not a host[:port]. */
export function parseHost(value: string): HostPort | undefined {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, port: m[2] };
}

export type HostCheck = (hostHeader: string | undefined) => boolean;

/** Builds the check once; throws naming an entry of `allowedHosts` that is not a host[:port]. */
export function createHostCheck(allowedHosts: readonly string[] = []): HostCheck {
  const entries = [...LOOPBACK_HOSTS, ...allowedHosts].map((raw) => {
    const parsed = parseHost(raw);
    if (!parsed) throw new Error(`api.allowedHosts: "${raw}" is not a host name or host:port`);
    return parsed;
  });
  return (hostHeader) => {
    // HTTP/1.1 requires Host; a request without one is not from a browser we need to serve.
    if (hostHeader === undefined) return false;
    const got = parseHost(hostHeader);
    if (!got) return false;
    return entries.some((e) => e.name === got.name && (e.port === undefined || e.port === got.port));
  };
}
