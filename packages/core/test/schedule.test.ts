import { describe, expect, it } from 'vitest';
import { claimDelayMs, jitterOffsetMs, slotOf, slotStartMs } from '../src/schedule.js';

describe('poll slots', () => {
  it('puts every instant of one interval in the same slot, for every replica', () => {
    const interval = 30_000;
    const offset = jitterOffsetMs('mail', interval);
    const start = slotStartMs(1000, interval, offset);
    expect(slotOf(start, interval, offset)).toBe(1000);
    expect(slotOf(start + interval - 1, interval, offset)).toBe(1000);
    expect(slotOf(start + interval, interval, offset)).toBe(1001);
  });

  it('spreads servers over the interval (jitter) deterministically', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => jitterOffsetMs(`server-${i}`, 60_000));
    expect(new Set(offsets).size).toBeGreaterThan(190);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(60_000);
    expect(jitterOffsetMs('server-1', 60_000)).toBe(offsets[1]);
  });
});

describe('claimDelayMs', () => {
  it('is deterministic, bounded, and differs between replicas', () => {
    const a = Array.from({ length: 100 }, (_, slot) => claimDelayMs('replica-a', 'mail', slot, 250));
    const b = Array.from({ length: 100 }, (_, slot) => claimDelayMs('replica-b', 'mail', slot, 250));
    expect(a).toEqual(Array.from({ length: 100 }, (_, slot) => claimDelayMs('replica-a', 'mail', slot, 250)));
    expect(Math.max(...a, ...b)).toBeLessThan(250);
    const aWins = a.filter((d, i) => d < b[i]!).length;
    expect(aWins).toBeGreaterThan(25);
    expect(aWins).toBeLessThan(75);
    expect(claimDelayMs('x', 'y', 1, 0)).toBe(0);
  });
});
