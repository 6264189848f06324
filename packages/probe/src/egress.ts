import type { ProbeFailureCode } from '@driftwatch/core';
import type { Dispatcher } from 'undici';
import { createAddressGuard, type AddressGuard, type ResolveHost } from './address-guard.js';
import type { ProbeContext } from './context.js';
import { createGuardedDispatcher } from './guarded-dispatcher.js';

/**
 * Everything one probe needs to reach the network: the SSRF guard (one resolution per host per
 * probe) and the dispatcher every fetch of the probe goes through. Refusals and redirects fail
 * the whole probe, even when they come from a model endpoint: they are policy, not flakiness.
 */
export interface Egress {
  readonly guard: AddressGuard;
  readonly dispatcher: Dispatcher;
  fail(code: ProbeFailureCode, reason: string): void;
}

export function createEgress(allowPrivateNetwork: boolean, ctx: ProbeContext, resolve?: ResolveHost): Egress {
  const guard = createAddressGuard({
    allowPrivateNetwork,
    ...(resolve ? { resolve } : {}),
    onRefused: (error) => ctx.fail(error.code, error.message),
  });
  const dispatcher = createGuardedDispatcher(guard);
  // Closes every socket of the probe (an SSE stream included) when the probe settles.
  ctx.onDispose(() => dispatcher.destroy());
  return { guard, dispatcher, fail: (code, reason) => ctx.fail(code, reason) };
}
