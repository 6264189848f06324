import { LIMITS } from '@driftwatch/core';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../src/codec.js';
import { DLQ_MAX_PAYLOAD_BYTES, buildDeadLetter, decodeDlqRecord } from '../src/dlq.js';

const base = { kind: 'invalid_json' as const, reason: 'r', sourceTopic: 't', groupId: 'g', key: 'k' };

describe('dead letters', () => {
  it('keeps UTF-8 payloads as text and anything else as base64, so no byte is lost to decoding', () => {
    const text = buildDeadLetter({ ...base, bytes: Buffer.from('{"a": "zero\u200bwidth"}') });
    expect(text.payload).toEqual({ encoding: 'utf8', data: '{"a": "zero\u200bwidth"}', bytes: 21, truncated: false });
    // A byte-order mark is kept, not swallowed by the decoder.
    const bom = buildDeadLetter({ ...base, bytes: Buffer.from('\ufeff{}') });
    expect(Buffer.from(bom.payload.data)).toEqual(Buffer.from('\ufeff{}'));
    const binary = buildDeadLetter({ ...base, bytes: Buffer.from([0xff, 0xfe, 0x00, 0x41]) });
    expect(binary.payload).toEqual({ encoding: 'base64', data: Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'), bytes: 4, truncated: false });
    expect(decodeDlqRecord(JSON.parse(JSON.stringify(text)))).toEqual(text);
  });

  it('bounds the payload, cutting on a character boundary', () => {
    // "é" is two bytes: an odd limit would split one if the cut were naive.
    const bytes = Buffer.from('é'.repeat(DLQ_MAX_PAYLOAD_BYTES));
    const record = buildDeadLetter({ ...base, bytes });
    expect(record.payload.encoding).toBe('utf8');
    expect(record.payload.truncated).toBe(true);
    expect(record.payload.bytes).toBe(bytes.byteLength);
    expect(Buffer.byteLength(record.payload.data)).toBeLessThanOrEqual(DLQ_MAX_PAYLOAD_BYTES);
    expect(record.payload.data).toMatch(/^é+$/);
  });
});

describe('decodeBytes', () => {
  const anything = (v: unknown): unknown => v;

  it('rejects hostile nesting before the schema sees it', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const result = decodeBytes(Buffer.from(deep), anything);
    expect(result).toMatchObject({ ok: false, kind: 'invalid_message' });
  });

  it('rejects messages over the size limit without parsing them', () => {
    const result = decodeBytes(Buffer.alloc(LIMITS.maxMessageBytes + 1, 0x20), anything);
    expect(result).toMatchObject({ ok: false, kind: 'too_large' });
  });

  it('reports a missing value (a Kafka tombstone) as invalid, not as a crash', () => {
    expect(decodeBytes(null, anything)).toMatchObject({ ok: false, kind: 'invalid_json' });
  });
});
