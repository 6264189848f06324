import { describe, expect, it } from 'vitest';
import { HttpError } from '@driftwatch/runtime';
import { createLimiter } from '../../src/auth/limiter.js';
import { createVerifyCache } from '../../src/auth/verify-cache.js';

describe('verify cache', () => {
  it('hits within the TTL, for the same key id and hash only', () => {
    const c = createVerifyCache({ maxEntries: 10, ttlMs: 1000 });
    c.add('d1', 'k1', 'h1', 0);
    expect(c.has('d1', 'k1', 'h1', 999)).toBe(true);
    expect(c.has('d1', 'k1', 'h2', 999)).toBe(false); // and the stale entry is dropped
    expect(c.has('d1', 'k1', 'h1', 999)).toBe(false);
    c.add('d2', 'k2', 'h', 0);
    expect(c.has('d2', 'k3', 'h', 1)).toBe(false);
    c.add('d3', 'k3', 'h', 0);
    expect(c.has('d3', 'k3', 'h', 1000)).toBe(false);
  });

  it('is bounded and evicts the least recently used', () => {
    const c = createVerifyCache({ maxEntries: 3, ttlMs: 60_000 });
    for (const d of ['a', 'b', 'c']) c.add(d, 'k', 'h', 0);
    expect(c.has('a', 'k', 'h', 1)).toBe(true); // a is now the most recent
    c.add('d', 'k', 'h', 2);
    expect(c.size).toBe(3);
    expect(c.has('b', 'k', 'h', 3)).toBe(false);
    expect(['a', 'c', 'd'].every((d) => c.has(d, 'k', 'h', 3))).toBe(true);
    for (let i = 0; i < 10_000; i++) c.add(`x${i}`, 'k', 'h', 4);
    expect(c.size).toBe(3);
  });

  it('checks its options', () => {
    expect(() => createVerifyCache({ maxEntries: -1, ttlMs: 1 })).toThrow(/maxEntries/);
    expect(() => createVerifyCache({ maxEntries: 1, ttlMs: Number.NaN })).toThrow(/ttlMs/);
  });
});

describe('scrypt limiter', () => {
  it('runs at most `concurrency` at once, queues up to maxQueue, then answers 503', async () => {
    const l = createLimiter({ concurrency: 2, maxQueue: 1 });
    const gates: Array<() => void> = [];
    const job = () => l.run(() => new Promise<void>((resolve) => gates.push(resolve)));
    const running = [job(), job(), job()];
    await Promise.resolve();
    expect(l.active).toBe(2);
    expect(l.waiting).toBe(1);
    const err = await job().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 503, code: 'auth_busy' });
    gates.shift()!();
    await running[0];
    await new Promise((r) => setImmediate(r));
    expect(l.active).toBe(2);
    expect(l.waiting).toBe(0);
    while (gates.length) gates.shift()!();
    await Promise.all(running);
    expect(l.active).toBe(0);
  });

  it('releases its slot when the job throws', async () => {
    const l = createLimiter({ concurrency: 1, maxQueue: 0 });
    await expect(l.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await l.run(async () => 7)).toBe(7);
  });
});
