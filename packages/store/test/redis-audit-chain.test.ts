import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditChainHash } from '../src/audit/chain.js';
import { ChainAppender, MAX_HEAD_ATTEMPTS, parseLink } from '../src/redis/audit-chain.js';
import { auditLogKeys } from '../src/redis/audit-log.js';
import { action } from './fixtures/builders.js';

type Reply = Array<number | string>;

/** The append script's contract, in memory: a compare-and-set on the head, with the dedup. */
function fakeRedis(interfere?: (call: number) => Reply | null) {
  let head = `0:${GENESIS_HASH}`;
  const members = new Set<string>();
  const batches: string[][] = [];
  let calls = 0;
  const call = async (...args: Array<string | number>): Promise<unknown> => {
    calls++;
    const forced = interfere?.(calls);
    if (forced) return forced;
    const argv = args.slice(1 + Number(args[0])).map(String);
    if (argv[0] !== head) return [-1, head];
    const records: string[][] = [];
    for (let i = 5; i < argv.length; i += 6) records.push(argv.slice(i, i + 6));
    const dups = records.flatMap((r, i) => (members.has(r[0]!) ? [i] : []));
    if (dups.length) return [-2, ...dups];
    for (const r of records) members.add(r[0]!);
    batches.push(records.map((r) => r[4]!));
    head = argv[1]!;
    return [1];
  };
  return { call, batches, calls: () => calls, head: () => head };
}

const keys = auditLogKeys('t:');

describe('redis audit chain appender', () => {
  it('batches what is queued into links that continue one another, and adds a repeated record once', async () => {
    const fake = fakeRedis();
    const appender = new ChainAppender(fake.call, keys, 't:events');
    const list = Array.from({ length: 250 }, (_, i) => action(`s${i % 3}`, i));
    const results = await Promise.all([...list.map((a) => appender.append(a, '')), appender.append(list[7]!, '')]);
    expect(results.filter(Boolean)).toHaveLength(250);
    expect(results[250]).toBe(false);
    expect(await appender.append({ ...list[0]! }, '')).toBe(false);
    const links = fake.batches.flat().map((l) => parseLink(l)!);
    expect(fake.batches.every((b) => b.length <= 100)).toBe(true);
    expect(links.map((l) => l.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    links.forEach((l, i) => expect(l.prevHash).toBe(i === 0 ? GENESIS_HASH : links[i - 1]!.hash));
    expect(fake.head()).toBe(`250:${links[249]!.hash}`);
    expect(links[0]!.hash).toBe(auditChainHash(GENESIS_HASH, JSON.stringify(Object.fromEntries(Object.entries(list[0]!).sort(([a], [b]) => (a < b ? -1 : 1))))));
  });

  it('gives up with a clear error after losing the head race a bounded number of times', async () => {
    let n = 0;
    // Another writer moves the head before every attempt.
    const fake = fakeRedis(() => [-1, `${++n}:${'a'.repeat(64)}`]);
    const appender = new ChainAppender(fake.call, keys, 't:events');
    const pending = [appender.append(action('s1', 1), ''), appender.append(action('s1', 2), '')];
    for (const p of pending) await expect(p).rejects.toThrow(/other writers moved the chain head \(t:auditlog:head\) 10 times in a row/);
    // The first reply only told it the head; then MAX_HEAD_ATTEMPTS lost races, per batch.
    expect(fake.calls()).toBe(2 * (1 + MAX_HEAD_ATTEMPTS));
    // The next append starts afresh.
    const healthy = fakeRedis();
    expect(await new ChainAppender(healthy.call, keys, 't:events').append(action('s1', 3), '')).toBe(true);
  });

  it('waits while another writer holds the turn, and does not count the stale head after it as a lost race', async () => {
    const moved = (c: number) => `${c}:${'a'.repeat(64)}`;
    // Call 1 tells the head; calls 2..10 are 9 lost races; call 11 meets another writer's turn; call 12
    // finds the head moved (as it must after a turn): counted, it would be the 10th loss.
    const fake = fakeRedis((c) => (c >= 2 && c <= 10 ? [-1, moved(c)] : c === 11 ? [-3, moved(c)] : null));
    const appender = new ChainAppender(fake.call, keys, 't:events');
    expect(await appender.append(action('s1', 1), '')).toBe(true);
    expect(fake.calls()).toBe(13);
    expect(fake.head()).toMatch(/^1:/);
  });
});
