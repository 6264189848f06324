import { describe, it, expect } from 'vitest';
import { describeTextChange, textEdit } from '../../src/diff/text.js';
import { visible } from '../../src/diff/format.js';

describe('textEdit', () => {
  it('finds an insertion, a removal and a replacement', () => {
    expect(textEdit('abc', 'abXc')).toEqual({ at: 2, removed: '', inserted: 'X' });
    expect(textEdit('abXc', 'abc')).toEqual({ at: 2, removed: 'X', inserted: '' });
    expect(textEdit('hello world', 'hello there world')).toEqual({ at: 6, removed: '', inserted: 'there ' });
    expect(textEdit('cat', 'dog')).toEqual({ at: 0, removed: 'cat', inserted: 'dog' });
  });

  it('handles repeated characters without overlapping prefix and suffix', () => {
    expect(textEdit('aaa', 'aaaa')).toEqual({ at: 3, removed: '', inserted: 'a' });
  });

  it('never splits a surrogate pair', () => {
    const e = textEdit('x😀y', 'x😃y');
    expect(e.removed).toBe('😀');
    expect(e.inserted).toBe('😃');
  });
});

describe('describeTextChange', () => {
  it('is empty when nothing changed', () => {
    expect(describeTextChange('d', 'same', 'same')).toEqual([]);
  });

  it('escapes invisible and bidi characters', () => {
    const lines = describeTextChange('d', 'ok', 'ok\u202eevil\u{e0041}');
    expect(lines.join('\n')).toContain('\\u{202e}');
    expect(lines.join('\n')).toContain('\\u{e0041}');
  });

  it('cuts long excerpts', () => {
    const lines = describeTextChange('d', '', 'x'.repeat(5000));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(260);
  });
});

describe('visible', () => {
  it('quotes and escapes control characters', () => {
    expect(visible('a\nb\u00a0c')).toBe('"a\\nb\\u{a0}c"');
  });
});
