import type { DeliveryOutcome, IncidentTransition, Notification, Receiver } from '@driftwatch/core';

export type ScriptStep = DeliveryOutcome | 'hang' | 'throw';

/**
 * An in-test Receiver (the fixed interface): answers from a script (then accepts), records every
 * call, and counts what a receiver that honours idempotency keys would show.
 */
export class RecordingReceiver implements Receiver {
  readonly kind = 'webhook' as const;
  readonly calls: Array<{ at: number; notification: Notification }> = [];
  readonly accepted: Notification[] = [];
  private readonly script: ScriptStep[];

  constructor(
    readonly name: string,
    script: ScriptStep[] = [],
  ) {
    this.script = [...script];
  }

  /** Queue answers for the next calls. */
  answer(...steps: ScriptStep[]): void {
    this.script.push(...steps);
  }

  async deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
    this.calls.push({ at: Date.now(), notification: structuredClone(notification) });
    const step = this.script.shift();
    if (step === 'hang') {
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, retryable: true, reason: 'timed out' }), { once: true }));
    }
    if (step === 'throw') throw new Error('receiver exploded');
    if (step && !step.ok) return step;
    this.accepted.push(structuredClone(notification));
    return step ?? { ok: true };
  }

  /** Accepted notifications of one transition, each idempotency key counted once. */
  distinct(transition?: IncidentTransition): Notification[] {
    const seen = new Map<string, Notification>();
    for (const n of this.accepted) if (!transition || n.transition === transition) seen.set(n.idempotencyKey, n);
    return [...seen.values()];
  }
}
