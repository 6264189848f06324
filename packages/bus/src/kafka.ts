// The Kafka adapter (kafkajs). At-least-once: autoCommit is off and offsets are committed once
// every message before them was handled or went to the DLQ. A key always maps to one partition;
// a partition's batch is handled one message per key at a time, in order, several keys at once
// (kafka-batch.ts), with one commit per batch (or per second of a long one), not per message.
import { LIMITS, TOPICS, dlqTopic } from '@driftwatch/core';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka as KafkaClient, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { checkKey, encodeText, encodeValue, errorText } from './codec.js';
import { isDlqTopic, type DlqRecord } from './dlq.js';
import { readCompactedTopics, type CompactedState } from './kafka-read.js';
import { runBatch } from './kafka-batch.js';
import { LagMonitor, type LagWatch } from './kafka-lag.js';
import { pinoLogCreator } from './kafka-log.js';
import type { BusPort, SubscribeOptions, Subscription } from './port.js';
import { processDelivery, type Delivery } from './processor.js';
import { backoffDelay, sleep } from './retry.js';

/** Bytes fetched per partition in one batch (see the consumer's options). */
const MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;

const { Kafka, Partitioners, logLevel } = kafkajs;

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Partitions for topics that ensureTopics creates (default 6). */
  partitions?: number;
  /** Handler attempts before a message goes to the DLQ (default 5). */
  retries?: number;
  /** Called after a message was dead-lettered, with the source topic and the reason kind. */
  onDlq?: (topic: string, reason: string) => void;
  connectionTimeoutMs?: number;
  /** Delay before the second handler attempt; doubles per attempt (default 200 ms). */
  retryBackoffMs?: number;
  /** Consumer group session timeout: how soon a dead member's partitions move (default 30 s). */
  sessionTimeoutMs?: number;
  /** Partitions of one subscription handled at once (default 3). */
  concurrency?: number;
  /** Messages of one partition's batch handled at once, different keys only (default 8). */
  batchConcurrency?: number;
  /**
   * Consumer groups whose lag this process's producers respect (see BusPort.pressure): measured
   * every `lagEveryMs` (default 5 s) with an admin client. None by default.
   */
  lagWatches?: readonly LagWatch[];
  lagEveryMs?: number;
  /** Told each measured lag (export it as a metric). */
  onLag?: (topic: string, groupId: string, lag: number) => void;
}

/** The bus port plus raw publishing (replaying dead letters, testing invalid input). */
export interface KafkaBus extends BusPort {
  publishRaw(topic: string, key: string, bytes: Uint8Array | string): Promise<void>;
  /** The latest value per key of compacted topics, read to their end once (see kafka-read.ts). */
  readCompacted(topics: readonly string[], options?: { groupPrefix?: string; timeoutMs?: number }): Promise<CompactedState>;
  /** The watched groups' lag on a topic as a share of their maxLag (see KafkaBusOptions.lagWatches). */
  pressure(topic: string): number;
}

/** Room for record-batch framing, key and headers on top of the largest accepted value. */
const TOPIC_MAX_MESSAGE_BYTES = LIMITS.maxMessageBytes + 64 * 1024;

function topicConfig(topic: string): { name: string; value: string }[] {
  const entries = [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }];
  // Baselines, the catalog and quarantines are state (the latest value per server), not events:
  // compaction keeps each server's latest for as long as the deployment lives.
  if (topic === TOPICS.baselines || topic === TOPICS.catalog || topic === TOPICS.quarantines || topic === TOPICS.incidents) entries.push({ name: 'cleanup.policy', value: 'compact' });
  return entries;
}

/** Waits until every partition of the topics has a leader, so publishing right after works. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await sleep(backoffDelay(attempt, 50, 1000));
  }
}

class KafkaSubscription implements Subscription {
  private consumer: Consumer | undefined;
  private readonly abort = new AbortController();
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private closing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly bus: KafkaBusImpl,
    private readonly options: SubscribeOptions<unknown>,
  ) {}

  private heartbeatIntervalMs(): number {
    return Math.max(100, Math.floor(this.bus.sessionTimeoutMs / 10));
  }

  async start(): Promise<void> {
    const { groupId, topic } = this.options;
    const log = this.bus.logger.child({ groupId, topic });
    const consumer = this.bus.kafka.consumer({
      groupId,
      sessionTimeout: this.bus.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs(),
      allowAutoTopicCreation: false,
      // Short fetch waits keep close() quick: stopping waits for the fetch in flight.
      maxWaitTimeInMs: 1000,
      // A batch is the window within which urgent keys go first (SubscribeOptions.urgent): with
      // kafkajs's default of 1 MiB that is about a dozen 80 KB snapshots. The fetch as a whole
      // stays within kafkajs's default maxBytes (10 MiB).
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      retry: {
        retries: 8,
        // Always rejoin: a consumer must never stay down because of one error.
        restartOnFailure: async (error) => {
          log.error({ err: errorText(error) }, 'bus: consumer crashed; kafkajs restarts it');
          return true;
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      log.error({ err: errorText(error), restart }, 'bus: consumer crash');
      // kafkajs does not restart after non-retriable errors; we do, with backoff.
      if (!restart && !this.closed && this.consumer === consumer) this.scheduleRestart();
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.restarts = 0;
      log.debug({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'bus: joined group');
    });

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.bus.concurrency,
        eachBatch: async (payload) => {
          // Closing: leave the batch uncommitted for the group's next owner of the partition.
          if (this.closed) return;
          const work = this.handleBatch(consumer, payload, log);
          this.inFlight.add(work);
          try {
            await work;
          } finally {
            this.inFlight.delete(work);
          }
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private async handleBatch(consumer: Consumer, payload: EachBatchPayload, log: Logger): Promise<void> {
    const { batch, heartbeat, resolveOffset, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    // Keep the group session alive while slow handlers run (kafkajs throttles heartbeats).
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatIntervalMs());
    try {
      await runBatch(
        batch.messages.map((message) => ({ message, offset: message.offset, key: message.key ? message.key.toString('utf8') : '' })),
        {
          concurrency: this.bus.batchConcurrency,
          ...(this.options.urgent ? { urgent: this.options.urgent } : {}),
          stopped: () => this.closed || !isRunning() || isStale(),
          handle: ({ message, key }) => this.handle(topic, partition, key, message, heartbeat, log),
          progress: async (last, next) => {
            resolveOffset(last.offset);
            try {
              // kafkajs skips commits once its runner is stopping, which is why close() waits
              // for the batch in flight before it disconnects.
              await consumer.commitOffsets([{ topic, partition, offset: next }]);
            } catch (error) {
              // Typically a rebalance took the partition away: its new owner gets the messages again.
              log.warn({ partition, offset: last.offset, err: errorText(error) }, 'bus: commit failed; messages may be redelivered');
            }
          },
        },
      );
    } finally {
      clearInterval(beat);
    }
  }

  private handle(topic: string, partition: number, key: string, message: KafkaMessage, heartbeat: () => Promise<void>, log: Logger): Promise<'done' | 'aborted'> {
    const delivery: Delivery = { topic, partition, offset: message.offset, key, bytes: message.value };
    return processDelivery(delivery, this.options, {
      groupId: this.options.groupId,
      retries: this.bus.retries,
      backoffMs: this.bus.backoffMs,
      signal: this.abort.signal,
      logger: log,
      between: () => heartbeat().catch(() => undefined),
      deadLetter: (record) => this.bus.sendDeadLetter(record, delivery),
      onDlq: this.bus.onDlq,
    });
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    const delay = backoffDelay(++this.restarts, 1000, 60_000);
    this.bus.logger.warn({ groupId: this.options.groupId, topic: this.options.topic, delay }, 'bus: restarting consumer');
    this.restartTimer = setTimeout(() => {
      if (this.closed) return;
      const old = this.consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (this.closed) return;
        try {
          await this.start();
        } catch (error) {
          this.bus.logger.error({ groupId: this.options.groupId, err: errorText(error) }, 'bus: consumer restart failed');
          if (!this.closed) this.scheduleRestart();
        }
      })();
    }, delay);
    this.restartTimer.unref();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.restartTimer);
      // Stops retry back-offs; a running handler attempt still finishes and is committed, while
      // the consumer is still running (kafkajs drops commits made after stop() began).
      this.abort.abort();
      await Promise.allSettled([...this.inFlight]);
      // Then stop fetching, wait for kafkajs's own loop, leave the group.
      await this.consumer?.disconnect().catch((error: unknown) => {
        this.bus.logger.warn({ groupId: this.options.groupId, err: errorText(error) }, 'bus: consumer disconnect failed');
      });
      this.bus.forget(this);
    })();
    return this.closing;
  }
}

class KafkaBusImpl implements KafkaBus {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  readonly retries: number;
  readonly backoffMs: number;
  readonly sessionTimeoutMs: number;
  readonly concurrency: number;
  readonly batchConcurrency: number;
  readonly onDlq: ((topic: string, reason: string) => void) | undefined;
  private readonly partitions: number;
  private readonly producer: Producer;
  private connected = false;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly pendingSends = new Set<Promise<unknown>>();
  private readonly lagMonitor: LagMonitor;

  constructor(options: KafkaBusOptions) {
    this.logger = options.logger;
    this.retries = Math.max(1, options.retries ?? 5);
    this.backoffMs = options.retryBackoffMs ?? 200;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.concurrency = Math.max(1, options.concurrency ?? 3);
    this.batchConcurrency = Math.max(1, options.batchConcurrency ?? 8);
    this.partitions = Math.max(1, options.partitions ?? 6);
    this.onDlq = options.onDlq;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      logLevel: logLevel.INFO,
      logCreator: pinoLogCreator(options.logger),
      retry: { initialRetryTime: 300, retries: 8 },
    });
    this.lagMonitor = new LagMonitor(this.kafka, options.lagWatches ?? [], options.logger, options.lagEveryMs, options.onLag);
    this.lagMonitor.start();
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.connected = true;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    // Connect early so isReady() turns true without waiting for the first publish.
    this.ensureConnected().catch((error: unknown) => {
      this.logger.warn({ err: errorText(error) }, 'bus: producer not connected yet');
    });
  }

  private ensureConnected(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('bus is closed'));
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async send(topic: string, key: string, value: Buffer | null, headers?: IHeaders): Promise<void> {
    await this.ensureConnected();
    const sending = this.producer.send({ topic, acks: -1, messages: [{ key, value, ...(headers ? { headers } : {}) }] });
    this.pendingSends.add(sending);
    try {
      await sending;
    } finally {
      this.pendingSends.delete(sending);
    }
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => (isDlqTopic(t) ? [t] : [t, dlqTopic(t)])))];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      try {
        await admin.createTopics({
          // Our own wait below: kafkajs's gives up when the broker briefly answers
          // UNKNOWN_TOPIC_OR_PARTITION for a just-created topic (seen with Kafka 4.x).
          waitForLeaders: false,
          topics: missing.map((topic) => ({ topic, numPartitions: this.partitions, configEntries: topicConfig(topic) })),
        });
      } catch (error) {
        // Another replica created them between listTopics and createTopics.
        const errors = (error as { errors?: { type?: string }[] }).errors;
        if (!errors?.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) throw error;
      }
      await waitForLeaders(admin, missing, 30_000);
      this.logger.info({ topics: missing, partitions: this.partitions }, 'bus: created topics');
    } finally {
      await admin.disconnect();
    }
  }

  async publish(topic: string, key: string, value: unknown): Promise<void> {
    checkKey(key);
    await this.send(topic, key, encodeValue(topic, value));
  }

  async publishEncoded(topic: string, key: string, json: string): Promise<void> {
    checkKey(key);
    await this.publishRaw(topic, key, encodeText(topic, json));
  }

  async publishTombstone(topic: string, key: string): Promise<void> {
    checkKey(key);
    await this.send(topic, key, null);
  }

  async publishRaw(topic: string, key: string, bytes: Uint8Array | string): Promise<void> {
    await this.send(topic, key, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes));
  }

  readCompacted(topics: readonly string[], options: { groupPrefix?: string; timeoutMs?: number } = {}): Promise<CompactedState> {
    if (this.closed) return Promise.reject(new Error('bus is closed'));
    return readCompactedTopics(this.kafka, topics, { ...options, logger: this.logger });
  }

  /** Publishes a dead letter, retrying a little; throws when Kafka will not take it. */
  async sendDeadLetter(record: DlqRecord, delivery: Delivery): Promise<void> {
    // Headers too, so tools that only look at headers (kcat, UIs) see why and from where.
    const headers: IHeaders = {
      'dlq-kind': record.kind,
      'dlq-reason': record.reason.slice(0, 1000),
      'dlq-source-topic': record.sourceTopic,
      'dlq-group': record.groupId,
    };
    if (delivery.partition !== undefined) headers['dlq-source-partition'] = String(delivery.partition);
    if (delivery.offset !== undefined) headers['dlq-source-offset'] = delivery.offset;
    const value = Buffer.from(JSON.stringify(record), 'utf8');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(dlqTopic(delivery.topic), delivery.key, value, headers);
        return;
      } catch (error) {
        if (attempt >= 5 || this.closed) throw error;
        this.logger.warn({ topic: delivery.topic, attempt, err: errorText(error) }, 'bus: dead-letter publish failed, retrying');
        await sleep(backoffDelay(attempt, 500, 5000));
      }
    }
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const subscription = new KafkaSubscription(this, options as SubscribeOptions<unknown>);
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  forget(subscription: KafkaSubscription): void {
    this.subscriptions.delete(subscription);
  }

  isReady(): boolean {
    return this.connected && !this.closed;
  }

  pressure(topic: string): number {
    return this.lagMonitor.pressure(topic);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Consumers first: their in-flight handlers may still publish (results, dead letters).
      await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
      this.closed = true;
      await this.lagMonitor.close();
      await Promise.allSettled([...this.pendingSends]);
      await this.producer.disconnect().catch((error: unknown) => {
        this.logger.warn({ err: errorText(error) }, 'bus: producer disconnect failed');
      });
      this.connected = false;
    })();
    return this.closing;
  }
}

export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  return new KafkaBusImpl(options);
}
