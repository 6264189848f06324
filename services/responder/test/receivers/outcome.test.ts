import { describe, expect, it } from 'vitest';
import { retryAfterMs, classifyHttp } from '../../src/receivers/outcome.js';
import { clip, oneLine } from '../../src/receivers/text.js';

describe('retryAfterMs', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  it('reads delta-seconds and HTTP-dates, bounded to [0, 1 h]', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('999999', now)).toBe(3600_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('classifyHttp', () => {
  const answer = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, body, headers: new Headers(headers) });
  it('redacts the receiver\'s secrets from an echoed answer and keeps it one visible line', () => {
    const o = classifyHttp('webhook receiver x', answer(403, 'bad token hunter22222\n\u200bagain'), new Date(), ['hunter22222']);
    expect(o).toEqual({ ok: false, retryable: false, reason: 'webhook receiver x answered HTTP 403: bad token [redacted] <U+200B>again' });
  });
});

describe('clip', () => {
  it('never splits a surrogate pair and marks the cut', () => {
    expect(clip('ab😀cd', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
    expect(oneLine('a\n\tb', 10)).toBe('a b');
  });
});
