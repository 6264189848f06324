import { Agent, buildConnector } from 'undici';
import type { AddressGuard } from './address-guard.js';

/**
 * An undici dispatcher whose every new connection first passes the SSRF guard: the host (a name
 * or a literal address) is checked before a socket exists, and the socket then connects to the
 * checked addresses only (`guard.lookup`). The Host header and TLS SNI stay the original name,
 * because only the address lookup is replaced.
 *
 * `base` is the real connector; tests pass one that records calls instead of opening sockets.
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
