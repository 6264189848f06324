/** A message as a consumer sees it, after JSON parsing and validation. */
export interface BusMessage<T> {
  topic: string;
  key: string;
  value: T;
  partition?: number;
  offset?: string;
}

export interface SubscribeOptions<T> {
  /** Consumer group: replicas with the same group share the partitions. */
  groupId: string;
  topic: string;
  /**
   * Validates the parsed JSON; throws (e.g. a ZodError) when the message is not what it claims.
   * With `raw: true` there is no decoding on this thread: the handler gets the bytes (a consumer
   * that validates large messages off the event loop), and signals an invalid one by throwing
   * InvalidMessageError, which dead-letters it at once.
   */
  decode: (value: unknown) => T;
  raw?: boolean;
  /**
   * Handles one message. Messages with the same key arrive in order, one at a time.
   * A throw is retried with backoff; after the retries the message goes to `<topic>.dlq`. A throw
   * that says a dependency is down (Redis, Kafka: `isInfrastructureError`) is retried until it is
   * back, never dead-lettered: the partition waits rather than lose the message.
   */
  handler: (message: BusMessage<T>) => Promise<void>;
  /** Start from the earliest retained message when the group has no offset (default true). */
  fromBeginning?: boolean;
  /**
   * Hand tombstones (a key with a null value: a removal on a compacted topic) to the handler as
   * `value: null` instead of dead-lettering them; `T` should then include null. Off by default:
   * on the event topics a null value is broken input.
   */
  tombstones?: boolean;
  /**
   * Keys whose waiting messages go ahead of other keys' (per-key order is kept). The in-process
   * bus honours it across everything waiting; Kafka within each fetched batch of a partition (up
   * to 4 MiB), committing in offset order all the same. The differ marks servers it has
   * analysed before, so a rug pull is not analysed after every first sight of a fleet. Asked
   * when a key becomes ready (a throw counts as false).
   */
  urgent?: (key: string) => boolean;
}

export interface Subscription {
  /** Stops fetching, waits for the in-flight handler, commits, leaves the group. */
  close(): Promise<void>;
}

/**
 * The event-bus port. At-least-once: a message is committed only after its handler returned
 * (or after it went to the DLQ); invalid messages never crash a consumer.
 */
export interface BusPort {
  /** Creates topics (and their DLQs) if missing. Idempotent. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  publish(topic: string, key: string, value: unknown): Promise<void>;
  /**
   * Publishes a value serialised elsewhere (a worker thread), so a large message costs no
   * JSON.stringify on this thread. Only the size is checked; the producer vouches for the JSON.
   */
  publishEncoded(topic: string, key: string, json: string): Promise<void>;
  /**
   * Publishes a tombstone: the key with a null value. On a compacted topic it removes the key's
   * value once compaction runs; consumers that ask for tombstones see the removal at once.
   */
  publishTombstone(topic: string, key: string): Promise<void>;
  subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription>;
  /**
   * How far behind the slowest consumer group of a topic is, as a share of what the bus holds
   * for it before dropping (0: keeping up, 1: dropping). Producers that can wait (the poller)
   * stop producing above a threshold instead of losing messages. Absent where the bus cannot
   * tell cheaply (Kafka keeps a lagging group's messages on disk, within retention).
   */
  pressure?(topic: string): number;
  /** True while connected and able to publish. */
  isReady(): boolean;
  /** Closes every subscription (finishing in-flight work), flushes producers, disconnects. */
  close(): Promise<void>;
}

/** Thrown by a raw handler for a message that does not validate: it is dead-lettered, not retried. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/** Subscribe to the raw bytes of a topic (see SubscribeOptions.raw). */
export function rawSubscription(options: Omit<SubscribeOptions<Uint8Array>, 'decode' | 'raw'>): SubscribeOptions<Uint8Array> {
  return { ...options, raw: true, decode: (v) => v as Uint8Array };
}
