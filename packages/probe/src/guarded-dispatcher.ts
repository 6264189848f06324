import { addressVerdict, classifyHost } from '@driftwatch/core';
import { Agent, buildConnector } from 'undici';
import { lookupFrom, refusedAnswer, type AddressGuard, type ResolvedAddress } from './address-guard.js';
import { ProbeError } from './failure.js';

/**
 * An undici dispatcher whose every new connection first passes the SSRF guard: the host (a name
 * or a literal address) is checked before a socket exists, and the socket then connects to the
 * checked addresses only (`guard.lookup`). The Host header and TLS SNI stay the original name,
 * because only the address lookup is replaced.
 *
 * `base` is the real connector; tests pass one that records calls instead of opening sockets.
 * For one-off requests (the responder's receivers); probes go through a ConnectionPool.
 */
export function createGuardedDispatcher(guard: AddressGuard, base: buildConnector.connector = buildConnector({ lookup: guard.lookup })): Agent {
  const connect: buildConnector.connector = (options, callback) => {
    guard.resolve(options.hostname).then(
      () => base(options, callback),
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({ connect });
}

/** Makes the real connector of a pinned origin: sockets go to `addresses` only (Host and SNI stay the name). */
export type PinnedConnectorFactory = (addresses: ReadonlyArray<ResolvedAddress>) => buildConnector.connector;

export const realConnector: PinnedConnectorFactory = (addresses) => buildConnector({ lookup: lookupFrom(async () => addresses) });

/**
 * The connector of a pooled origin (connection-pool.ts): the probe's guard has resolved the host
 * and checked `addresses`; this connects to those addresses and nowhere else. Every new connection
 * judges the host and each address against the policy again before a socket exists, so a pool
 * cannot be made to open a connection the guard would refuse, whoever hands it addresses.
 */
export function createPinnedConnector(
  addresses: ReadonlyArray<ResolvedAddress>,
  allowPrivateNetwork: boolean,
  base: buildConnector.connector = realConnector(addresses),
): buildConnector.connector {
  return (options, callback) => {
    const host = classifyHost(options.hostname);
    const verdict = addressVerdict(host, allowPrivateNetwork);
    const refused = verdict.allowed ? refusedAnswer(addresses, allowPrivateNetwork) : { address: options.hostname, label: verdict.label };
    if (refused || addresses.length === 0) {
      const why = refused ? `${options.hostname}: ${refused.address === options.hostname ? '' : `${refused.address}, `}${refused.label}` : `${options.hostname}: no checked address`;
      // Asynchronously, like a failed connect: undici does not expect the callback within connect().
      queueMicrotask(() => callback(new ProbeError('blocked_address', `refused to connect to ${why}`), null));
      return;
    }
    base(options, callback);
  };
}
