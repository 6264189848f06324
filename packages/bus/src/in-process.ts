// The in-process bus for embedded mode (one process, no Kafka), with the Kafka adapter's
// semantics: every consumer group gets every message; within a group one message per key at a
// time, in publish order; the same JSON round trip, validation and dead-lettering.
import { dlqTopic, spreadHash } from '@driftwatch/core';
import type { Logger } from 'pino';
import { checkKey, encodeText, encodeValue, errorText } from './codec.js';
import type { BusPort, SubscribeOptions, Subscription } from './port.js';
import { processDelivery, type Delivery } from './processor.js';

export interface InProcessBusOptions {
  logger: Logger;
  /** Handler attempts before a message goes to the DLQ (default 5). */
  retries?: number;
  /** Delay before the second attempt; doubles per attempt (default 200 ms). */
  retryBackoffMs?: number;
  /** Called after a message was dead-lettered, with the source topic and the reason kind. */
  onDlq?: (topic: string, reason: string) => void;
  /** Messages each topic keeps for groups that subscribe later, like Kafka retention (default 10 000). */
  retainPerTopic?: number;
  /**
   * Bytes each topic keeps for groups that subscribe later (default 16 MiB): snapshots can be
   * megabytes each, so a count alone does not bound memory. In one process every group
   * subscribes at start, so this matters only for the first moments.
   */
  retainBytes?: number;
  /** Bytes one group may have waiting before its oldest message is dropped (default 64 MiB). */
  queueBytes?: number;
  /** Messages handled at once per group, across keys (default 8). */
  concurrency?: number;
}

/** The bus port plus raw publishing (replaying dead letters, testing invalid input). */
export interface InProcessBus extends BusPort {
  publishRaw(topic: string, key: string, bytes: Uint8Array | string): Promise<void>;
  pressure(topic: string): number;
}

interface Stored {
  offset: number;
  key: string;
  /** null: a tombstone (see BusPort.publishTombstone). */
  bytes: Buffer | null;
}

function sizeOf(message: Stored): number {
  return message.bytes?.byteLength ?? 0;
}

interface Member {
  options: SubscribeOptions<unknown>;
  abort: AbortController;
  inFlight: Set<Promise<void>>;
  closed: boolean;
}

class TopicLog {
  next = 0;
  readonly retained: Stored[] = [];
  retainedBytes = 0;
  readonly groups = new Map<string, Group>();
}

/** One consumer group on one topic: per-key queues, members sharing the keys. */
class Group {
  readonly members: Member[] = [];
  private readonly queues = new Map<string, Stored[]>();
  /** Keys with a message waiting and none in flight: urgent ones first (SubscribeOptions.urgent). */
  private readonly ready = new ReadyKeys();
  private readonly busy = new Set<string>();
  private queued = 0;
  private queuedBytes = 0;
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly groupId: string,
    private readonly bus: InProcessBusImpl,
  ) {}

  /** How full the group's queue is, 0–1, by count or by bytes (1: the oldest is dropped next). */
  get fill(): number {
    return Math.max(this.queued / this.bus.retain, this.queuedBytes / this.bus.queueBytes);
  }

  enqueue(message: Stored): void {
    while (this.queued > 0 && (this.queued >= this.bus.retain || this.queuedBytes + sizeOf(message) > this.bus.queueBytes)) {
      // Like retention on a lagging Kafka group: the oldest waiting message is lost, loudly.
      const dropped = this.dropOldest();
      if (!dropped) break;
      this.bus.logger.error({ topic: this.topic, groupId: this.groupId, offset: dropped.offset }, 'bus: group lagging beyond retention; oldest message dropped');
    }
    let queue = this.queues.get(message.key);
    if (!queue) {
      queue = [];
      this.queues.set(message.key, queue);
    }
    queue.push(message);
    this.queued += 1;
    this.queuedBytes += sizeOf(message);
    if (queue.length === 1 && !this.busy.has(message.key)) this.ready.push(message.key, this.isUrgent(message.key));
    this.pump();
  }

  private dropOldest(): Stored | undefined {
    let oldest: Stored | undefined;
    let oldestKey: string | undefined;
    for (const [key, queue] of this.queues) {
      const head = queue[0];
      if (head && (!oldest || head.offset < oldest.offset)) {
        oldest = head;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return undefined;
    const queue = this.queues.get(oldestKey) ?? [];
    queue.shift();
    this.queued -= 1;
    if (oldest) this.queuedBytes -= sizeOf(oldest);
    if (queue.length === 0) {
      this.queues.delete(oldestKey);
      this.ready.remove(oldestKey);
    }
    return oldest;
  }

  /** Asked when a key becomes ready, so a key marked since its last message is seen as urgent. */
  private isUrgent(key: string): boolean {
    const urgent = this.members.find((m) => !m.closed)?.options.urgent;
    if (!urgent) return false;
    try {
      return urgent(key);
    } catch {
      return false;
    }
  }

  private liveMembers(): Member[] {
    return this.members.filter((m) => !m.closed);
  }

  pump(): void {
    const live = this.liveMembers();
    while (live.length > 0 && this.active < this.bus.concurrency && this.ready.size > 0) {
      const key = this.ready.shift() as string;
      const queue = this.queues.get(key);
      const message = queue?.shift();
      if (!queue || !message) continue;
      if (queue.length === 0) this.queues.delete(key);
      this.queued -= 1;
      this.queuedBytes -= sizeOf(message);
      this.busy.add(key);
      this.active += 1;
      // Keys stick to a member while membership is stable, as partitions do in Kafka.
      const member = live[spreadHash(key) % live.length] as Member;
      const run = this.run(member, message).finally(() => {
        member.inFlight.delete(run);
        this.busy.delete(key);
        this.active -= 1;
        if (this.queues.get(key)?.length) this.ready.push(key, this.isUrgent(key));
        this.pump();
        this.notifyIdle();
      });
      member.inFlight.add(run);
    }
  }

  private async run(member: Member, message: Stored): Promise<void> {
    const delivery: Delivery = { topic: this.topic, key: message.key, offset: String(message.offset), bytes: message.bytes };
    try {
      const result = await processDelivery(delivery, member.options, {
        groupId: this.groupId,
        retries: this.bus.retries,
        backoffMs: this.bus.backoffMs,
        signal: member.abort.signal,
        logger: this.bus.logger,
        deadLetter: (record) => this.bus.publishRaw(dlqTopic(this.topic), message.key, JSON.stringify(record)),
        onDlq: this.bus.onDlq,
      });
      // Closing mid-retry: the message goes back to the front of its key's queue (redelivery).
      if (result === 'aborted') this.requeueFront(message);
    } catch (error) {
      this.bus.logger.error({ topic: this.topic, groupId: this.groupId, err: errorText(error) }, 'bus: delivery failed; will retry');
      this.requeueFront(message);
    }
  }

  private requeueFront(message: Stored): void {
    const queue = this.queues.get(message.key) ?? [];
    queue.unshift(message);
    this.queues.set(message.key, queue);
    this.queued += 1;
    this.queuedBytes += sizeOf(message);
    // The `finally` in pump() re-readies the key once it is no longer busy.
  }

  get idle(): boolean {
    return this.active === 0 && (this.queued === 0 || this.liveMembers().length === 0);
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Two FIFO queues of keys, urgent first. Arrays with a moving head rather than shift(): with
 * thousands of servers waiting, shifting an array per dispatch is quadratic.
 */
class ReadyKeys {
  private readonly lanes: [string[], string[]] = [[], []];
  private readonly heads: [number, number] = [0, 0];

  get size(): number {
    return this.lanes[0].length - this.heads[0] + this.lanes[1].length - this.heads[1];
  }

  push(key: string, urgent: boolean): void {
    this.lanes[urgent ? 0 : 1].push(key);
  }

  shift(): string | undefined {
    for (const lane of [0, 1] as const) {
      if (this.heads[lane] < this.lanes[lane].length) {
        const key = this.lanes[lane][this.heads[lane]++];
        this.compact(lane);
        return key;
      }
    }
    return undefined;
  }

  /** Rare (a message dropped past retention): linear in the waiting keys. */
  remove(key: string): void {
    for (const lane of [0, 1] as const) {
      const i = this.lanes[lane].indexOf(key, this.heads[lane]);
      if (i >= 0) {
        this.lanes[lane].splice(i, 1);
        return;
      }
    }
  }

  private compact(lane: 0 | 1): void {
    if (this.heads[lane] > 1024 && this.heads[lane] * 2 > this.lanes[lane].length) {
      this.lanes[lane] = this.lanes[lane].slice(this.heads[lane]);
      this.heads[lane] = 0;
    }
  }
}

class InProcessBusImpl implements InProcessBus {
  readonly logger: Logger;
  readonly retries: number;
  readonly backoffMs: number;
  readonly retain: number;
  readonly retainBytes: number;
  readonly queueBytes: number;
  readonly concurrency: number;
  readonly onDlq: ((topic: string, reason: string) => void) | undefined;
  private readonly topics = new Map<string, TopicLog>();
  private readonly subscriptions = new Set<Subscription>();
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(options: InProcessBusOptions) {
    this.logger = options.logger;
    this.retries = Math.max(1, options.retries ?? 5);
    this.backoffMs = options.retryBackoffMs ?? 200;
    this.retain = Math.max(1, options.retainPerTopic ?? 10_000);
    this.retainBytes = Math.max(1, options.retainBytes ?? 16 * 1024 * 1024);
    this.queueBytes = Math.max(1, options.queueBytes ?? 64 * 1024 * 1024);
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.onDlq = options.onDlq;
  }

  private topic(name: string): TopicLog {
    let log = this.topics.get(name);
    if (!log) {
      log = new TopicLog();
      this.topics.set(name, log);
    }
    return log;
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const t of topics) {
      this.topic(t);
      this.topic(dlqTopic(t));
    }
  }

  pressure(topic: string): number {
    let fill = 0;
    for (const group of this.topics.get(topic)?.groups.values() ?? []) fill = Math.max(fill, group.fill);
    return fill;
  }

  async publish(topic: string, key: string, value: unknown): Promise<void> {
    checkKey(key);
    this.append(topic, key, encodeValue(topic, value));
  }

  async publishEncoded(topic: string, key: string, json: string): Promise<void> {
    checkKey(key);
    await this.publishRaw(topic, key, encodeText(topic, json));
  }

  async publishRaw(topic: string, key: string, bytes: Uint8Array | string): Promise<void> {
    this.append(topic, key, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  async publishTombstone(topic: string, key: string): Promise<void> {
    checkKey(key);
    this.append(topic, key, null);
  }

  private append(topic: string, key: string, bytes: Buffer | null): void {
    // Publishing stays open while close() drains: handlers of messages published before close
    // publish their results (and dead letters), and those must not be lost either.
    if (this.closed) throw new Error('bus is closed');
    const log = this.topic(topic);
    const message: Stored = { offset: log.next++, key, bytes };
    log.retained.push(message);
    log.retainedBytes += sizeOf(message);
    while (log.retained.length > 1 && (log.retained.length > this.retain || log.retainedBytes > this.retainBytes)) {
      log.retainedBytes -= sizeOf(log.retained.shift()!);
    }
    for (const group of log.groups.values()) group.enqueue(message);
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.closing) throw new Error('bus is closed');
    const log = this.topic(options.topic);
    let group = log.groups.get(options.groupId);
    const member: Member = {
      options: options as SubscribeOptions<unknown>,
      abort: new AbortController(),
      inFlight: new Set(),
      closed: false,
    };
    if (!group) {
      group = new Group(options.topic, options.groupId, this);
      log.groups.set(options.groupId, group);
      group.members.push(member);
      // A new group starts at the earliest retained message (default) or at the end.
      if (options.fromBeginning ?? true) for (const m of log.retained) group.enqueue(m);
    } else {
      group.members.push(member);
      group.pump();
    }
    const current = group;
    const subscription: Subscription = {
      close: async () => {
        if (member.closed) return;
        member.closed = true;
        member.abort.abort();
        await Promise.allSettled([...member.inFlight]);
        const i = current.members.indexOf(member);
        if (i >= 0) current.members.splice(i, 1);
        this.subscriptions.delete(subscription);
        // Whatever this member had not started stays queued for the rest of the group.
        current.pump();
        current.notifyIdle();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  isReady(): boolean {
    return !this.closed;
  }

  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  private async drainAndClose(): Promise<void> {
    // Drain: everything published before close is handled by groups that have members (dead
    // letters produced meanwhile are handled too), then the subscriptions are closed.
    for (;;) {
      const groups = [...this.topics.values()].flatMap((t) => [...t.groups.values()]);
      if (groups.every((g) => g.idle)) break;
      await Promise.all(groups.map((g) => g.whenIdle()));
    }
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

export function createInProcessBus(options: InProcessBusOptions): InProcessBus {
  return new InProcessBusImpl(options);
}
