import type { DeliveryOutcome, Notification, Receiver } from '@driftwatch/core';

/**
 * What the delivery engine needs from a receiver: a name and a delivery. Every Receiver (the
 * fixed interface) is a Sink; so are the built-in fallbacks (log line, legacy webhook).
 */
export interface Sink {
  readonly name: string;
  deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome>;
  close?(): Promise<void>;
}

export type { Receiver };
