import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../src/canonical.js';
import { digestJson, measureJson } from '../src/json-measure.js';

/** `[[[ … ]]]` nested `depth` levels, built without recursion. */
function nested(depth: number): unknown {
  let v: unknown = 'core';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('digestJson', () => {
  it('equals the SHA-256 of canonical JSON for plain values, so the two hashes agree', () => {
    const value = { b: [1, 'two', { z: null, a: true }], a: 'é\u200b', n: -0.5 };
    expect(digestJson(value)).toBe(sha256Hex(canonicalJson(value)));
    expect(digestJson('text')).toBe(sha256Hex(JSON.stringify('text')));
  });

  it('is independent of key order and dependent on every value', () => {
    expect(digestJson({ a: 1, b: 2 })).toBe(digestJson({ b: 2, a: 1 }));
    expect(digestJson({ a: 1, b: 2 })).not.toBe(digestJson({ a: 1, b: 3 }));
    expect(digestJson([1, 2])).not.toBe(digestJson([2, 1]));
  });

  it('hashes a value a million levels deep without overflowing the stack', () => {
    const deep = nested(1_000_000);
    expect(digestJson(deep)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestJson(deep)).not.toBe(digestJson(nested(999_999)));
  });

  it('tells apart non-finite numbers and prototype-looking keys', () => {
    expect(digestJson(JSON.parse('[1e400]'))).not.toBe(digestJson([null]));
    const proto = JSON.parse('{"__proto__": {"x": 1}}');
    expect(digestJson(proto)).not.toBe(digestJson({}));
  });
});

describe('measureJson', () => {
  const bounds = { maxDepth: 32, maxNodes: 1000, maxString: 100 };

  it('measures nodes, depth and the longest string of a value within bounds', () => {
    expect(measureJson({ a: ['xx', { b: 'yyy' }] }, bounds)).toEqual({ nodes: 5, depth: 3, longestString: 3, over: false });
  });

  it('stops early at each bound, visiting no more than the bound', () => {
    expect(measureJson(nested(1_000_000), bounds)).toMatchObject({ over: true, depth: 33 });
    const wide = Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`p${i}`, { type: 'string' }]));
    // It stops at the bound: 1001 nodes visited of 300,001.
    expect(measureJson(wide, bounds)).toMatchObject({ over: true, nodes: 1001 });
    expect(measureJson({ k: 'x'.repeat(101) }, bounds)).toMatchObject({ over: true, longestString: 101 });
    expect(measureJson({ ['k'.repeat(101)]: 1 }, bounds)).toMatchObject({ over: true });
  });
});

describe('makeBaselineJson', () => {
  it('splices the same baseline makeBaseline builds, without re-serialising the snapshot', async () => {
    const { makeBaseline, makeBaselineJson } = await import('../src/baseline.js');
    const { Baseline } = await import('../src/schemas/baseline.js');
    const { snapshot } = await import('./fixtures.js');
    const s = snapshot('p1');
    const now = new Date('2026-12-01T00:00:00Z');
    const opts = { origin: 'approval' as const, approvedBy: 'alice', reason: 'reviewed "twice"', now };
    const spliced = makeBaselineJson({ serverId: s.serverId, fingerprint: s.fingerprints.snapshot, json: JSON.stringify(s) }, opts);
    expect(Baseline.parse(JSON.parse(spliced.json))).toEqual(makeBaseline(s, opts));
    expect(spliced.fingerprint).toBe(s.fingerprints.snapshot);
  });
});
