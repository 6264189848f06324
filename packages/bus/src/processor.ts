// What both adapters do with one delivered message: decode, handle with retries, or dead-letter.
import type { Logger } from 'pino';
import { decodeBytes, errorText } from './codec.js';
import { buildDeadLetter, isDlqTopic, type DlqReasonKind, type DlqRecord } from './dlq.js';
import { InvalidMessageError, type SubscribeOptions } from './port.js';
import { withRetries } from './retry.js';
import { isInfrastructureError } from './transient.js';

/** Backoff cap while a dependency is down: retry often enough to resume soon after it is back. */
const HELD_MAX_BACKOFF_MS = 5_000;
/** One "holding" line per delivery this often: an outage of minutes must not flood the logs. */
const HELD_LOG_INTERVAL_MS = 10_000;

export interface Delivery {
  topic: string;
  key: string;
  partition?: number;
  offset?: string;
  bytes: Uint8Array | null;
}

export interface ProcessContext {
  groupId: string;
  /** Handler attempts before the message goes to the DLQ (infrastructure failures do not count). */
  retries: number;
  backoffMs: number;
  /** Aborted when the subscription closes: stop retrying, leave the message uncommitted. */
  signal: AbortSignal;
  logger: Logger;
  /** Backoff cap while a dependency is down (default 5 s). */
  maxHeldBackoffMs?: number;
  /** Called between handler attempts (Kafka: heartbeat so the group keeps us). */
  between?: () => Promise<void>;
  /** Publishes a dead letter; throwing means "not handled, deliver again". */
  deadLetter: (record: DlqRecord, delivery: Delivery) => Promise<void>;
  onDlq?: ((topic: string, reason: string) => void) | undefined;
}

/** 'done' = may be committed; 'aborted' = closing mid-retry, must not be committed. */
export type ProcessResult = 'done' | 'aborted';

export async function processDelivery<T>(
  delivery: Delivery,
  options: SubscribeOptions<T>,
  ctx: ProcessContext,
): Promise<ProcessResult> {
  const where = { topic: delivery.topic, key: delivery.key, partition: delivery.partition, offset: delivery.offset, groupId: ctx.groupId };
  const decoded =
    delivery.bytes === null && options.tombstones
      ? { ok: true as const, value: null as T }
      : decodeBytes(delivery.bytes, options.decode, options.raw === true);
  if (!decoded.ok) {
    await deadLetter(delivery, ctx, decoded.kind, decoded.reason, undefined);
    return 'done';
  }
  let invalid: InvalidMessageError | undefined;
  let failures = 0;
  let lastHeldLog: number | undefined;
  const outcome = await withRetries(
    async () => {
      const message = { topic: delivery.topic, key: delivery.key, value: decoded.value } as Parameters<typeof options.handler>[0];
      if (delivery.partition !== undefined) message.partition = delivery.partition;
      if (delivery.offset !== undefined) message.offset = delivery.offset;
      try {
        await options.handler(message);
      } catch (error) {
        // Retrying cannot make an invalid message valid: stop here and dead-letter it below.
        if (error instanceof InvalidMessageError) {
          invalid = error;
          return;
        }
        throw error;
      }
    },
    {
      attempts: ctx.retries,
      backoffMs: ctx.backoffMs,
      signal: ctx.signal,
      // A dependency outage is not the message's fault: hold it (never dead-letter) until it passes.
      isHeld: isInfrastructureError,
      maxHeldBackoffMs: ctx.maxHeldBackoffMs ?? HELD_MAX_BACKOFF_MS,
      between: async (call, error, held) => {
        if (!held) {
          failures++;
          ctx.logger.warn({ ...where, attempt: call, failures, err: errorText(error) }, 'bus: handler failed, retrying');
        } else if (lastHeldLog === undefined || Date.now() - lastHeldLog >= HELD_LOG_INTERVAL_MS) {
          lastHeldLog = Date.now();
          ctx.logger.warn({ ...where, attempt: call, failures, err: errorText(error) }, 'bus: dependency unavailable, holding the message');
        }
        await ctx.between?.();
      },
    },
  );
  if (outcome.held > 0 && outcome.status === 'ok') {
    ctx.logger.info({ ...where, attempt: outcome.attempts + outcome.held }, 'bus: dependency back, held message handled');
  }
  if (invalid) {
    await deadLetter(delivery, ctx, 'invalid_message', `does not validate: ${errorText(invalid)}`, undefined);
    return 'done';
  }
  if (outcome.status === 'ok') return 'done';
  if (outcome.status === 'aborted') {
    ctx.logger.info({ ...where, attempts: outcome.attempts, held: outcome.held }, 'bus: closing during retries; message left for redelivery');
    return 'aborted';
  }
  const reason = `handler failed after ${outcome.attempts} attempt(s): ${errorText(outcome.error)}`;
  await deadLetter(delivery, ctx, 'handler_failed', reason, outcome.attempts);
  return 'done';
}

async function deadLetter(
  delivery: Delivery,
  ctx: ProcessContext,
  kind: DlqReasonKind,
  reason: string,
  attempts: number | undefined,
): Promise<void> {
  const where = { topic: delivery.topic, key: delivery.key, partition: delivery.partition, offset: delivery.offset, groupId: ctx.groupId, kind };
  if (isDlqTopic(delivery.topic)) {
    // A dead letter that cannot be handled is logged and dropped: no `.dlq.dlq` cascade.
    ctx.logger.error({ ...where, reason }, 'bus: dropping unprocessable dead letter');
    return;
  }
  const input: Parameters<typeof buildDeadLetter>[0] = {
    kind,
    reason,
    sourceTopic: delivery.topic,
    groupId: ctx.groupId,
    key: delivery.key,
    bytes: delivery.bytes,
  };
  if (delivery.partition !== undefined) input.partition = delivery.partition;
  if (delivery.offset !== undefined) input.offset = delivery.offset;
  if (attempts !== undefined) input.attempts = attempts;
  await ctx.deadLetter(buildDeadLetter(input), delivery);
  ctx.logger.warn({ ...where, reason }, 'bus: message sent to dead-letter topic');
  try {
    ctx.onDlq?.(delivery.topic, kind);
  } catch (error) {
    ctx.logger.error({ err: errorText(error) }, 'bus: onDlq callback threw');
  }
}
