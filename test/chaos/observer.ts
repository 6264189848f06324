// What every consumer downstream of Driftwatch sees: the snapshots, alerts, actions and baselines
// topics read from the beginning by a consumer of the test's own, which rides out broker restarts.
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { TOPICS } from '@driftwatch/core';
import { sleep, waitUntil } from './wait.js';

export interface Seen<T> {
  offset: string;
  partition: number;
  value: T;
}

export interface SnapshotSeen {
  type: 'snapshot' | 'probe_failure';
  serverId: string;
  pollId: string;
  fingerprints?: { snapshot: string };
}

export interface AlertSeen {
  id: string;
  serverId: string;
  action: 'trigger' | 'resolve';
  kind: string;
  severity: string;
  snapshotFingerprint?: string;
}

export interface ActionSeen {
  id: string;
  serverId: string;
  action: string;
  actor: string;
  alertId?: string;
}

export interface BaselineSeen {
  serverId: string;
  fingerprint: string;
  origin: 'tofu' | 'approval';
}

const WATCHED = [TOPICS.snapshots, TOPICS.alerts, TOPICS.actions, TOPICS.baselines] as const;

export class Observer {
  readonly snapshots: Array<Seen<SnapshotSeen>> = [];
  readonly alerts: Array<Seen<AlertSeen>> = [];
  readonly actions: Array<Seen<ActionSeen>> = [];
  readonly baselines: Array<Seen<BaselineSeen>> = [];
  /** Highest offset read, per topic and partition: dedups what a restarted consumer reads again. */
  private readonly read = new Map<string, bigint>();
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private closed = false;

  constructor(brokers: string[], private readonly groupId: string) {
    this.kafka = new Kafka({ brokers, clientId: groupId, logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 3_000 } });
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    // A broker outage longer than kafkajs's retries stops the consumer: start a new one.
    consumer.on(consumer.events.CRASH, () => {
      if (this.closed || this.consumer !== consumer) return;
      void (async () => {
        await consumer.disconnect().catch(() => undefined);
        while (!this.closed) {
          await sleep(1_000);
          try {
            await this.start();
            return;
          } catch {
            // broker still down
          }
        }
      })();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...WATCHED], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const key = `${topic}/${partition}`;
        const offset = BigInt(message.offset);
        if ((this.read.get(key) ?? -1n) >= offset) return;
        this.read.set(key, offset);
        if (!message.value) return;
        const value = JSON.parse(message.value.toString('utf8')) as never;
        const seen = { offset: message.offset, partition, value };
        if (topic === TOPICS.snapshots) this.snapshots.push(seen);
        else if (topic === TOPICS.alerts) this.alerts.push(seen);
        else if (topic === TOPICS.actions) this.actions.push(seen);
        else this.baselines.push(seen);
      },
    });
  }

  /** Waits until everything on the watched topics right now has been read. */
  async caughtUp(timeoutMs: number): Promise<void> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    const ends = new Map<string, bigint>();
    for (const topic of WATCHED) {
      for (const p of await this.admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
    }
    await waitUntil('the observer to read every topic to its end', () => [...ends].every(([key, high]) => high === 0n || (this.read.get(key) ?? -1n) >= high - 1n), timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
