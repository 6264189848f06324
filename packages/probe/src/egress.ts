import type { ProbeFailureCode } from '@driftwatch/core';
import type { Dispatcher } from 'undici';
import { createAddressGuard, type AddressGuard, type ResolveHost } from './address-guard.js';
import type { ConnectionPool } from './connection-pool.js';
import type { ProbeContext } from './context.js';

/**
 * Everything one probe needs to reach the network: the SSRF guard (one resolution per host per
 * probe) and the dispatchers every fetch of the probe goes through. Refusals and redirects fail
 * the whole probe, even when they come from a model endpoint: they are policy, not flakiness.
 */
export interface Egress {
  readonly guard: AddressGuard;
  /**
   * The dispatcher for one URL: its host is resolved and checked by the guard first (a refusal
   * rejects with `blocked_address`), then the pool's keep-alive connections to exactly those
   * addresses are used (`fresh`: new ones, see ConnectionPool). The only way the probe's
   * fetches reach the network.
   */
  dispatcherFor(url: URL, fresh?: boolean): Promise<Dispatcher>;
  fail(code: ProbeFailureCode, reason: string): void;
}

export function createEgress(allowPrivateNetwork: boolean, ctx: ProbeContext, pool: ConnectionPool, resolve?: ResolveHost): Egress {
  const guard = createAddressGuard({
    allowPrivateNetwork,
    ...(resolve ? { resolve } : {}),
    onRefused: (error) => ctx.fail(error.code, error.message),
  });
  // Nothing to close when the probe settles: its requests listen on ctx.signal, which then aborts
  // them (an SSE stream included) and destroys their sockets; idle ones stay for the next poll.
  return {
    guard,
    async dispatcherFor(url, fresh = false) {
      const addresses = await guard.resolve(url.hostname);
      return pool.dispatcherFor(url.origin, addresses, allowPrivateNetwork, fresh);
    },
    fail: (code, reason) => ctx.fail(code, reason),
  };
}
