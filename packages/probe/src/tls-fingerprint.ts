import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { AddressGuard } from './address-guard.js';

/**
 * SHA-256 (hex, lowercase) of the DER leaf certificate an https endpoint presents, from a
 * separate TLS handshake (fetch does not expose the peer certificate). Validation is left to the
 * real connection: here we only want to see what is presented, so a changed certificate is
 * noticed even when it is still trusted. Resolves undefined on any error or when aborted.
 */
export async function peerCertificateSha256(url: URL, signal: AbortSignal, guard: AddressGuard): Promise<string | undefined> {
  if (url.protocol !== 'https:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    // The same checked addresses as the MCP connection (one resolution per probe).
    await guard.resolve(url.hostname);
  } catch {
    return undefined; // a refusal has failed the probe already; a resolver error shows on the MCP connection
  }
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    const socket = connect({
      host,
      port: url.port ? Number(url.port) : 443,
      // A literal address is connected to as is (checked above); a name only through the guard.
      lookup: guard.lookup,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const done = (value: string | undefined): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(value);
    };
    const onAbort = (): void => done(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate()?.raw;
      done(raw && raw.length > 0 ? createHash('sha256').update(raw).digest('hex') : undefined);
    });
    socket.once('error', () => done(undefined));
  });
}
