import { describe, it, expect } from 'vitest';
import { canonicalJson, sha256Hex, CanonicalJsonError } from '../src/canonical.js';

describe('canonicalJson', () => {
  it('sorts object keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the key insertion order', () => {
    const a = { x: 1, y: { p: true, q: null } };
    const b = { y: { q: null, p: true }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('orders keys by UTF-16 code unit, not by locale', () => {
    // 'Z' (0x5a) < 'a' (0x61) < 'é' (0xe9) < '😀' (0xd83d…) < 'ｚ' (0xff5a) in code units.
    expect(canonicalJson({ 'ｚ': 0, '😀': 0, é: 0, a: 0, Z: 0 })).toBe('{"Z":0,"a":0,"é":0,"😀":0,"ｚ":0}');
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
  });

  it('keeps strings byte-exact: whitespace and invisible characters change the text', () => {
    expect(canonicalJson('a  b')).not.toBe(canonicalJson('a b'));
    expect(canonicalJson('send\u200bmail')).not.toBe(canonicalJson('sendmail'));
    expect(canonicalJson('tab\there\n')).toBe(JSON.stringify('tab\there\n'));
    expect(canonicalJson('line\r\n')).not.toBe(canonicalJson('line\n'));
  });

  it('escapes lone surrogates so different strings never hash alike after UTF-8 encoding', () => {
    const a = canonicalJson('\ud800');
    const b = canonicalJson('\udfff');
    expect(a).toBe('"\\ud800"');
    expect(sha256Hex(a)).not.toBe(sha256Hex(b));
  });

  it('drops undefined properties', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('keeps null distinct from absent', () => {
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it('writes numbers as JSON does', () => {
    expect(canonicalJson({ n: 1.5, m: -0, e: 1e21 })).toBe('{"e":1e+21,"m":0,"n":1.5}');
  });

  it('keeps a __proto__ own key as data', () => {
    const v = JSON.parse('{"__proto__":{"x":1},"a":2}') as unknown;
    expect(canonicalJson(v)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 1n }],
    ['a symbol', [Symbol('s')]],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['undefined at the top', undefined],
    ['undefined in an array', [1, undefined]],
    ['a Date', { d: new Date(0) }],
    ['a Map', { m: new Map() }],
  ])('throws on %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
  });

  it('throws on cycles instead of overflowing', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/cycle at \$\.self/);
    const arr: unknown[] = [];
    arr.push(arr);
    expect(() => canonicalJson(arr)).toThrow(/cycle/);
  });

  it('throws cleanly on absurd nesting', () => {
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = [v];
    expect(() => canonicalJson(v)).toThrow(/nested deeper/);
  });
});

describe('sha256Hex', () => {
  it('hashes UTF-8 text to lowercase hex', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});
