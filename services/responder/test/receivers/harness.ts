import { pino } from 'pino';
import { createInProcessBus } from '@driftwatch/bus';
import { Receivers } from '@driftwatch/core';
import type { ReceiverDeps } from '../../src/receivers/index.js';

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function deps(over: Partial<ReceiverDeps> = {}): ReceiverDeps {
  return { bus: createInProcessBus({ logger }), logger, now: () => new Date(), ...over };
}

/** Parses one receiver's config the way the loader does (defaults, SSRF policy). */
export function receiverConfig<T extends Receivers[string]['type']>(raw: Record<string, unknown> & { type: T }): Extract<Receivers[string], { type: T }> {
  return Receivers.parse({ r: raw }).r as Extract<Receivers[string], { type: T }>;
}

export const never = new AbortController().signal;
