import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import type { Logger } from 'pino';
import { errorText } from './codec.js';

/** A consumer group whose lag on a topic producers should respect (see BusPort.pressure). */
export interface LagWatch {
  topic: string;
  groupId: string;
  /** Messages behind that count as full pressure (1). */
  maxLag: number;
}

/**
 * Measures, every `everyMs`, how many messages each watched group has yet to consume on its
 * topic (end offsets minus committed offsets, over all partitions; a partition the group never
 * committed counts from its earliest retained offset). Answers from the last measurement, so a
 * producer asking per poll costs no round trip. A failed measurement keeps the last figure and
 * logs once per failure run: Kafka keeps a lagging group's messages, so stale pressure is safe.
 */
export class LagMonitor {
  private readonly lags = new Map<string, number>();
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly watches: readonly LagWatch[],
    private readonly logger: Logger,
    private readonly everyMs = 5_000,
    /** Told each measured lag (the process's metrics). */
    private readonly onLag?: (topic: string, groupId: string, lag: number) => void,
  ) {
    for (const w of watches) {
      if (!(w.maxLag > 0)) throw new RangeError(`lag watch on ${w.topic}: maxLag must be > 0 (got ${w.maxLag})`);
    }
  }

  /** The watched groups' largest lag on `topic` as a share of their maxLag; 0 before the first measurement. */
  pressure(topic: string): number {
    let out = 0;
    for (const w of this.watches) if (w.topic === topic) out = Math.max(out, (this.lags.get(key(w)) ?? 0) / w.maxLag);
    return out;
  }

  start(): void {
    if (this.timer || this.watches.length === 0) return;
    const tick = () => {
      this.running ??= this.measure().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  /** Measures once now (also what each tick does). */
  async measure(): Promise<void> {
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      for (const w of this.watches) {
        const [ends, committed] = await Promise.all([
          this.admin.fetchTopicOffsets(w.topic),
          this.admin.fetchOffsets({ groupId: w.groupId, topics: [w.topic] }),
        ]);
        const done = new Map((committed.find((t) => t.topic === w.topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        let lag = 0;
        for (const p of ends) {
          const at = done.get(p.partition) ?? -1;
          lag += Math.max(0, Number(p.high) - (at >= 0 ? at : Number(p.low)));
        }
        this.lags.set(key(w), lag);
        this.onLag?.(w.topic, w.groupId, lag);
      }
      if (this.failing) this.logger.info('bus: consumer lag measured again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: errorText(error) }, 'bus: consumer lag could not be measured; keeping the last figure');
      this.failing = true;
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

function key(w: LagWatch): string {
  return `${w.topic}\u0000${w.groupId}`;
}
