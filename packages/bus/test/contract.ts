// The behaviour every BusPort adapter promises, run against each adapter by its own test file.
import { LIMITS, dlqTopic } from '@driftwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BusPublishError, InvalidMessageError, decodeDlqRecord, rawSubscription, type BusMessage, type BusPort, type DlqRecord, type Subscription } from '../src/index.js';

export type TestBus = BusPort & { publishRaw(topic: string, key: string, bytes: Uint8Array | string): Promise<void> };

export interface BusUnderTest {
  bus: TestBus;
  /** What the adapter reported through onDlq. */
  dlq: { topic: string; reason: string }[];
}

export interface BusTestOptions {
  retries?: number;
  retryBackoffMs?: number;
}

export interface ContractHarness {
  /** A new bus (for Kafka: a new client, as another process would have). */
  create(options?: BusTestOptions): BusUnderTest;
  /** Another member for a group next to `of`: a new client for Kafka, the same bus in-process. */
  peer(of: BusUnderTest, options?: BusTestOptions): BusUnderTest;
  /** A topic no other test uses, created with its DLQ through `bus`. */
  topic(bus: TestBus, prefix: string): Promise<string>;
  /** A group id no other test uses. */
  group(prefix: string): string;
  /** How long to wait for something that should happen. */
  timeoutMs: number;
  /** How long to watch for something that should not happen. */
  quietMs: number;
}

const Msg = z.object({ id: z.string(), key: z.string(), n: z.number().int() });
type Msg = z.infer<typeof Msg>;
const decodeMsg = (value: unknown): Msg => Msg.parse(value);

function msg(key: string, n: number): Msg {
  return { id: `${key}#${n}`, key, n };
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function busContract(name: string, makeHarness: () => ContractHarness): void {
  describe(`BusPort contract: ${name}`, () => {
    const h = makeHarness();
    const open: BusUnderTest[] = [];
    const create = (options?: BusTestOptions): BusUnderTest => {
      const b = h.create({ retries: 3, retryBackoffMs: 20, ...options });
      open.push(b);
      return b;
    };
    const peer = (of: BusUnderTest, options?: BusTestOptions): BusUnderTest => {
      const b = h.peer(of, { retries: 3, retryBackoffMs: 20, ...options });
      if (!open.includes(b)) open.push(b);
      return b;
    };

    /** Collects what a DLQ receives, read through the port itself. */
    async function watchDlq(bus: TestBus, topic: string): Promise<{ records: DlqRecord[]; sub: Subscription }> {
      const records: DlqRecord[] = [];
      const sub = await bus.subscribe({
        groupId: h.group('dlq-watch'),
        topic: dlqTopic(topic),
        decode: decodeDlqRecord,
        handler: async (m) => {
          records.push(m.value);
        },
      });
      return { records, sub };
    }

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.bus.close()));
    });

    it('delivers a published JSON message, decoded, with its key and topic', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'roundtrip');
      const got: BusMessage<Msg>[] = [];
      await a.bus.subscribe({ groupId: h.group('rt'), topic, decode: decodeMsg, handler: async (m) => void got.push(m) });
      await a.bus.publish(topic, 'srv-1', { ...msg('srv-1', 1), extra: 'dropped by the schema' });
      await waitFor('the message', () => got.length === 1, h.timeoutMs);
      expect(got[0]?.value).toEqual(msg('srv-1', 1));
      expect(got[0]?.key).toBe('srv-1');
      expect(got[0]?.topic).toBe(topic);
      expect(a.bus.isReady()).toBe(true);
      await a.bus.close();
      expect(a.bus.isReady()).toBe(false);
    });

    it('refuses to publish what is not JSON or is larger than the limit, and carries a large message', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'limits');
      await expect(a.bus.publish(topic, 'k', undefined)).rejects.toBeInstanceOf(BusPublishError);
      await expect(a.bus.publish(topic, 'k', { n: 1n })).rejects.toBeInstanceOf(BusPublishError);
      await expect(a.bus.publish(topic, '', msg('k', 1))).rejects.toBeInstanceOf(BusPublishError);
      const tooBig = { ...msg('k', 1), pad: 'x'.repeat(LIMITS.maxMessageBytes) };
      await expect(a.bus.publish(topic, 'k', tooBig)).rejects.toBeInstanceOf(BusPublishError);

      // 2 MiB is over Kafka's default 1 MiB message limit: the adapter must configure its topics.
      const big = { ...msg('big', 1), pad: 'y'.repeat(2 * 1024 * 1024) };
      const got: BusMessage<Msg & { pad: string }>[] = [];
      await a.bus.subscribe({
        groupId: h.group('big'),
        topic,
        decode: (v) => Msg.extend({ pad: z.string() }).parse(v),
        handler: async (m) => void got.push(m),
      });
      await a.bus.publish(topic, 'big', big);
      await waitFor('the large message', () => got.length === 1, h.timeoutMs);
      expect(got[0]?.value.pad.length).toBe(2 * 1024 * 1024);
    });

    it('carries JSON serialised elsewhere (publishEncoded) to raw and decoding consumers alike', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'encoded');
      const raw: BusMessage<Uint8Array>[] = [];
      const decoded: BusMessage<Msg>[] = [];
      await a.bus.subscribe(rawSubscription({ groupId: h.group('raw'), topic, handler: async (m) => void raw.push(m) }));
      await a.bus.subscribe({ groupId: h.group('dec'), topic, decode: decodeMsg, handler: async (m) => void decoded.push(m) });
      const text = JSON.stringify(msg('srv-2', 7));
      await a.bus.publishEncoded(topic, 'srv-2', text);
      await waitFor('both consumers', () => raw.length === 1 && decoded.length === 1, h.timeoutMs);
      expect(Buffer.from(raw[0]!.value).toString('utf8')).toBe(text);
      expect(raw[0]?.key).toBe('srv-2');
      expect(decoded[0]?.value).toEqual(msg('srv-2', 7));
      await expect(a.bus.publishEncoded(topic, 'k', 'x'.repeat(LIMITS.maxMessageBytes + 1))).rejects.toBeInstanceOf(BusPublishError);
      await expect(a.bus.publishEncoded(topic, '', text)).rejects.toBeInstanceOf(BusPublishError);
    });

    it('dead-letters at once, without retries, a message a raw handler calls invalid', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'rawinvalid');
      const dlq = await watchDlq(a.bus, topic);
      const calls: string[] = [];
      await a.bus.subscribe(
        rawSubscription({
          groupId: h.group('rawinv'),
          topic,
          handler: async (m) => {
            const text = Buffer.from(m.value).toString('utf8');
            calls.push(text);
            if (text.includes('bad')) throw new InvalidMessageError('field n is not a number');
          },
        }),
      );
      await a.bus.publishRaw(topic, 'k', '{"bad":true}');
      await a.bus.publish(topic, 'k', msg('k', 2));
      await waitFor('the dead letter and the next message', () => dlq.records.length === 1 && calls.length === 2, h.timeoutMs);
      expect(calls.filter((c) => c.includes('bad'))).toHaveLength(1);
      expect(dlq.records[0]).toMatchObject({ kind: 'invalid_message', reason: expect.stringContaining('field n is not a number') });
    });

    it('hands one key its messages one at a time and in order, while keys run concurrently', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'order');
      const keys = Array.from({ length: 10 }, (_, i) => `server-${i}`);
      const perKey = 20;
      const seen = new Map<string, number[]>();
      const inFlightPerKey = new Map<string, number>();
      let inFlight = 0;
      let maxInFlight = 0;
      let maxPerKey = 0;
      await a.bus.subscribe({
        groupId: h.group('order'),
        topic,
        decode: decodeMsg,
        handler: async ({ value }) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const k = (inFlightPerKey.get(value.key) ?? 0) + 1;
          inFlightPerKey.set(value.key, k);
          maxPerKey = Math.max(maxPerKey, k);
          await delay(Math.random() * 8);
          seen.set(value.key, [...(seen.get(value.key) ?? []), value.n]);
          inFlightPerKey.set(value.key, k - 1);
          inFlight -= 1;
        },
      });
      // Each key's publisher is sequential (as one server's poller is); keys publish concurrently.
      await Promise.all(
        keys.map(async (key) => {
          for (let n = 0; n < perKey; n++) await a.bus.publish(topic, key, msg(key, n));
        }),
      );
      const total = (): number => [...seen.values()].reduce((sum, list) => sum + list.length, 0);
      await waitFor('all 200 messages', () => total() === keys.length * perKey, h.timeoutMs);
      for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: perKey }, (_, n) => n));
      expect(maxPerKey).toBe(1);
      expect(maxInFlight).toBeGreaterThan(1);
    });

    it('dead-letters invalid JSON and schema-invalid messages with the reason, and keeps consuming', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'invalid');
      const dlq = await watchDlq(a.bus, topic);
      const got: Msg[] = [];
      const group = h.group('invalid');
      await a.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async (m) => void got.push(m.value) });
      await a.bus.publishRaw(topic, 'srv-bad', '{"id": "oops", not json');
      await a.bus.publish(topic, 'srv-bad', { id: 'x', key: 'srv-bad', n: 'not a number' });
      await a.bus.publish(topic, 'srv-bad', msg('srv-bad', 3));
      await waitFor('the valid message after two bad ones', () => got.length === 1, h.timeoutMs);
      await waitFor('two dead letters', () => dlq.records.length === 2, h.timeoutMs);
      expect(got).toEqual([msg('srv-bad', 3)]);

      const byKind = new Map(dlq.records.map((r) => [r.kind, r]));
      const badJson = byKind.get('invalid_json');
      const badShape = byKind.get('invalid_message');
      expect(badJson?.payload).toMatchObject({ encoding: 'utf8', data: '{"id": "oops", not json', truncated: false });
      expect(badJson?.reason).toMatch(/not JSON/);
      expect(badShape?.reason).toMatch(/does not validate/);
      expect(badShape?.reason).toMatch(/n/);
      expect(JSON.parse(badShape?.payload.data ?? 'null')).toEqual({ id: 'x', key: 'srv-bad', n: 'not a number' });
      for (const r of dlq.records) {
        expect(r).toMatchObject({ sourceTopic: topic, groupId: group, key: 'srv-bad' });
        expect(r.offset).toMatch(/^\d+$/);
      }
      expect(a.dlq).toEqual(
        expect.arrayContaining([
          { topic, reason: 'invalid_json' },
          { topic, reason: 'invalid_message' },
        ]),
      );
    });

    it('retries a handler that fails twice, without dead-lettering', async () => {
      const a = create({ retries: 3 });
      const topic = await h.topic(a.bus, 'retry');
      const dlq = await watchDlq(a.bus, topic);
      let calls = 0;
      const done: Msg[] = [];
      await a.bus.subscribe({
        groupId: h.group('retry'),
        topic,
        decode: decodeMsg,
        handler: async (m) => {
          calls += 1;
          if (calls <= 2) throw new Error(`transient failure ${calls}`);
          done.push(m.value);
        },
      });
      await a.bus.publish(topic, 'srv-r', msg('srv-r', 1));
      await waitFor('success on the third attempt', () => done.length === 1, h.timeoutMs);
      await delay(h.quietMs);
      expect(calls).toBe(3);
      expect(dlq.records).toEqual([]);
      expect(a.dlq).toEqual([]);
    });

    it('dead-letters a message whose handler always fails, after the configured attempts, then goes on', async () => {
      const a = create({ retries: 3 });
      const topic = await h.topic(a.bus, 'poison');
      const dlq = await watchDlq(a.bus, topic);
      const attempts = new Map<number, number>();
      await a.bus.subscribe({
        groupId: h.group('poison'),
        topic,
        decode: decodeMsg,
        handler: async ({ value }) => {
          attempts.set(value.n, (attempts.get(value.n) ?? 0) + 1);
          if (value.n === 1) throw new Error('cannot handle message 1');
        },
      });
      await a.bus.publish(topic, 'srv-p', msg('srv-p', 1));
      await a.bus.publish(topic, 'srv-p', msg('srv-p', 2));
      await waitFor('the next message of the same key', () => attempts.get(2) === 1, h.timeoutMs);
      await waitFor('the dead letter', () => dlq.records.length === 1, h.timeoutMs);
      expect(attempts.get(1)).toBe(3);
      expect(dlq.records[0]).toMatchObject({ kind: 'handler_failed', attempts: 3, key: 'srv-p', sourceTopic: topic });
      expect(dlq.records[0]?.reason).toContain('cannot handle message 1');
      expect(JSON.parse(dlq.records[0]?.payload.data ?? 'null')).toEqual(msg('srv-p', 1));
      expect(a.dlq).toEqual([{ topic, reason: 'handler_failed' }]);
    });

    it('close() waits for the in-flight handler and commits it: the group does not see it again', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'close');
      const group = h.group('close');
      const started = deferred();
      const release = deferred();
      const events: string[] = [];
      const sub = await a.bus.subscribe({
        groupId: group,
        topic,
        decode: decodeMsg,
        handler: async ({ value }) => {
          events.push(`start ${value.n}`);
          started.resolve();
          await release.promise;
          events.push(`end ${value.n}`);
        },
      });
      await a.bus.publish(topic, 'srv-c', msg('srv-c', 1));
      await started.promise;
      const closing = sub.close().then(() => events.push('closed'));
      await delay(200);
      expect(events).toEqual(['start 1']);
      release.resolve();
      await closing;
      expect(events).toEqual(['start 1', 'end 1', 'closed']);

      const b = peer(a);
      const later: number[] = [];
      await b.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async ({ value }) => void later.push(value.n) });
      await b.bus.publish(topic, 'srv-c', msg('srv-c', 2));
      await waitFor('the next message', () => later.includes(2), h.timeoutMs);
      await delay(h.quietMs);
      expect(later).toEqual([2]);
    });

    it('redelivers a message left uncommitted (closed during retries) to the next member of the group', async () => {
      // A long back-off: the first attempt fails and close() lands while the handler waits to retry.
      const a = create({ retries: 5, retryBackoffMs: 60_000 });
      const topic = await h.topic(a.bus, 'redeliver');
      const group = h.group('redeliver');
      const failed = deferred();
      const sub = await a.bus.subscribe({
        groupId: group,
        topic,
        decode: decodeMsg,
        handler: async () => {
          failed.resolve();
          throw new Error('crash before commit');
        },
      });
      await a.bus.publish(topic, 'srv-x', msg('srv-x', 1));
      await failed.promise;
      const t0 = Date.now();
      await sub.close();
      expect(Date.now() - t0).toBeLessThan(30_000);

      const b = peer(a);
      const got: Msg[] = [];
      await b.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async (m) => void got.push(m.value) });
      await waitFor('the redelivered message', () => got.length === 1, h.timeoutMs);
      expect(got).toEqual([msg('srv-x', 1)]);
      expect(a.dlq).toEqual([]);
    });

    it('shares a group between two members; another group gets every message', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'share');
      const group = h.group('share');
      const byA: string[] = [];
      const byB: string[] = [];
      const other: string[] = [];
      await a.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async (m) => void byA.push(m.value.id) });
      const b = peer(a);
      await b.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async (m) => void byB.push(m.value.id) });
      await a.bus.subscribe({ groupId: h.group('other'), topic, decode: decodeMsg, handler: async (m) => void other.push(m.value.id) });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const key = `srv-${i}`;
        for (let n = 0; n < 2; n++) {
          ids.push(msg(key, n).id);
          await a.bus.publish(topic, key, msg(key, n));
        }
      }
      await waitFor('every message in the group', () => byA.length + byB.length >= ids.length, h.timeoutMs);
      await waitFor('every message in the other group', () => other.length >= ids.length, h.timeoutMs);
      await delay(h.quietMs);
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
      expect([...byA, ...byB].sort()).toEqual([...ids].sort());
      expect([...other].sort()).toEqual([...ids].sort());
    });

    it('loses nothing published before close(): handled before closing or by the next member', async () => {
      const a = create();
      const topic = await h.topic(a.bus, 'drain');
      const group = h.group('drain');
      const handled = new Set<string>();
      await a.bus.subscribe({
        groupId: group,
        topic,
        decode: decodeMsg,
        handler: async ({ value }) => {
          await delay(2);
          handled.add(value.id);
        },
      });
      const ids: string[] = [];
      for (let n = 0; n < 50; n++) {
        ids.push(msg(`srv-${n % 5}`, n).id);
        await a.bus.publish(topic, `srv-${n % 5}`, msg(`srv-${n % 5}`, n));
      }
      await a.bus.close();
      await expect(a.bus.publish(topic, 'srv-0', msg('srv-0', 99))).rejects.toThrow();

      const b = create();
      await b.bus.subscribe({ groupId: group, topic, decode: decodeMsg, handler: async ({ value }) => void handled.add(value.id) });
      await waitFor('all 50 messages', () => handled.size === ids.length, h.timeoutMs);
      expect([...handled].sort()).toEqual([...ids].sort());
    });
  });
}
