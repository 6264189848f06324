// Tombstones (a key with a null value) as every adapter carries them: what a compacted topic such
// as mcp.catalog.v1 uses to remove a key.
import { dlqTopic } from '@driftwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDlqRecord, type BusMessage, type DlqRecord } from '../src/index.js';
import { waitFor, type ContractHarness, type TestBus } from './contract.js';

export function tombstoneContract(name: string, makeHarness: () => ContractHarness): void {
  describe(`BusPort tombstones: ${name}`, () => {
    const h = makeHarness();
    const open: TestBus[] = [];
    const create = (): TestBus => {
      const { bus } = h.create({ retries: 2, retryBackoffMs: 10 });
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('hands a tombstone to a subscriber that asks for them, as value null, in order with the key', async () => {
      const bus = create();
      const topic = await h.topic(bus, 'tomb');
      await bus.publish(topic, 'srv-1', { v: 1 });
      await bus.publishTombstone(topic, 'srv-1');
      await bus.publish(topic, 'srv-1', { v: 2 });
      const got: Array<BusMessage<{ v: number } | null>> = [];
      await bus.subscribe<{ v: number } | null>({
        groupId: h.group('tomb'),
        topic,
        tombstones: true,
        fromBeginning: true,
        decode: (v) => v as { v: number },
        handler: async (m) => void got.push(m),
      });
      await waitFor('three messages', () => got.length === 3, h.timeoutMs);
      expect(got.map((m) => [m.key, m.value])).toEqual([
        ['srv-1', { v: 1 }],
        ['srv-1', null],
        ['srv-1', { v: 2 }],
      ]);
    });

    it('dead-letters a tombstone on a subscription that did not ask for them, never calling the handler with it', async () => {
      const bus = create();
      const topic = await h.topic(bus, 'tomb-strict');
      const records: DlqRecord[] = [];
      await bus.subscribe({ groupId: h.group('dlq'), topic: dlqTopic(topic), decode: decodeDlqRecord, handler: async (m) => void records.push(m.value) });
      const got: unknown[] = [];
      await bus.subscribe({ groupId: h.group('strict'), topic, decode: (v) => v, handler: async (m) => void got.push(m.value) });
      await bus.publishTombstone(topic, 'srv-2');
      await bus.publish(topic, 'srv-2', { after: true });
      await waitFor('the message after the tombstone', () => got.length === 1, h.timeoutMs);
      await waitFor('the dead letter', () => records.length === 1, h.timeoutMs);
      expect(got).toEqual([{ after: true }]);
      expect(records[0]).toMatchObject({ kind: 'invalid_json', key: 'srv-2' });
    });
  });
}
