// Reading compacted topics to their end, once: how state kept on Kafka (baselines, quarantines,
// the catalog) is read back when the store has lost it. Not a subscription: a throwaway consumer
// group reads from the beginning up to the end offsets taken when the read starts, then leaves
// (and is deleted), committing nothing.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import type { Logger } from 'pino';
import { errorText } from './codec.js';
import { backoffDelay, sleep } from './retry.js';

/**
 * A partition's offsets. Retried: a topic created a moment ago (at this very start) can still
 * answer "not the leader" until the client's metadata catches up.
 */
async function endOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; high: string; low: string }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 10 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      await sleep(backoffDelay(attempt, 100, 2000));
    }
  }
}

/** Per topic, the latest value of each key (null: a tombstone, the key was removed). */
export type CompactedState = Map<string, Map<string, Buffer | null>>;

export interface ReadCompactedOptions {
  /** Prefix of the throwaway group's id (a deployment's namespace). */
  groupPrefix?: string;
  /** Give up (throw) after this long; default 120 s. */
  timeoutMs?: number;
  logger: Logger;
}

/**
 * The latest value per key of each topic, as of the moment the read starts (messages published
 * while it runs may be included too: they are newer still). Latest wins within a partition, and a
 * key always maps to one partition, so the order is the producers' order per key.
 * Throws when the topics cannot be read to their end within the timeout: a caller rebuilding
 * state must not go on with half of it.
 */
export async function readCompactedTopics(kafka: KafkaClient, topics: readonly string[], options: ReadCompactedOptions): Promise<CompactedState> {
  const state: CompactedState = new Map(topics.map((t) => [t, new Map()]));
  // Where each non-empty partition ends now: offset high-1 is the last record to wait for.
  const pending = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const p of await endOffsets(admin, topic)) {
        if (BigInt(p.high) > BigInt(p.low)) pending.set(`${topic}/${p.partition}`, BigInt(p.high) - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (pending.size === 0) return state;

  const groupId = `${options.groupPrefix ?? ''}driftwatch-rebuild-${randomUUID()}`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`could not read ${topics.join(', ')} to the end within ${timeoutMs} ms (${pending.size} partitions short)`));
      }, timeoutMs);
      // Batch events also fire for batches emptied by compaction, so a partition whose tail was
      // compacted away still reports how far it got.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const key = `${payload.topic}/${payload.partition}`;
        const last = pending.get(key);
        if (last !== undefined && payload.lastOffset !== null && BigInt(payload.lastOffset) >= last) pending.delete(key);
        if (pending.size === 0) resolve();
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, message }) => {
            if (!message.key) return;
            state.get(topic)?.set(message.key.toString('utf8'), message.value);
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    // Nothing was committed, but the broker keeps an empty group's metadata for a while.
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch((error: unknown) => options.logger.debug({ groupId, err: errorText(error) }, 'bus: could not delete the rebuild group'))
      .finally(() => cleanup.disconnect().catch(() => undefined));
  }
  return state;
}
