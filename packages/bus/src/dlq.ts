// Dead-letter records: what a consumer publishes to `<topic>.dlq` instead of crashing.
// The record is JSON, so a DLQ is read through the same port: subscribe({ topic: dlqTopic(t),
// decode: decodeDlqRecord, ... }).
import { dlqTopic } from '@driftwatch/core';
import { z } from 'zod';

/** Raw bytes kept in a dead letter; the rest is cut (the reason says what was wrong). */
export const DLQ_MAX_PAYLOAD_BYTES = 1024 * 1024;

export const DlqReasonKind = z.enum(['too_large', 'invalid_json', 'invalid_message', 'handler_failed']);
export type DlqReasonKind = z.infer<typeof DlqReasonKind>;

export const DlqRecord = z.object({
  type: z.literal('bus.dead_letter'),
  version: z.literal(1),
  time: z.iso.datetime({ offset: true }),
  kind: DlqReasonKind,
  reason: z.string().max(10_000),
  sourceTopic: z.string().min(1).max(249),
  groupId: z.string().max(1000),
  key: z.string().max(10_000),
  partition: z.number().int().nonnegative().optional(),
  offset: z.string().max(40).optional(),
  /** Handler attempts made (handler_failed only). */
  attempts: z.number().int().nonnegative().optional(),
  payload: z.object({
    /** utf8 when the bytes were valid UTF-8, else base64. */
    encoding: z.enum(['utf8', 'base64']),
    data: z.string(),
    bytes: z.number().int().nonnegative(),
    truncated: z.boolean(),
  }),
});
export type DlqRecord = z.infer<typeof DlqRecord>;

export function decodeDlqRecord(value: unknown): DlqRecord {
  return DlqRecord.parse(value);
}

export function isDlqTopic(topic: string): boolean {
  return topic.endsWith(dlqTopic(''));
}

export interface DeadLetterInput {
  kind: DlqReasonKind;
  reason: string;
  sourceTopic: string;
  groupId: string;
  key: string;
  partition?: number;
  offset?: string;
  attempts?: number;
  bytes: Uint8Array | null;
}

export function buildDeadLetter(input: DeadLetterInput, now: Date = new Date()): DlqRecord {
  const raw = input.bytes ?? new Uint8Array(0);
  let end = Math.min(raw.byteLength, DLQ_MAX_PAYLOAD_BYTES);
  // Cut on a UTF-8 character boundary (never inside a multi-byte sequence).
  if (end < raw.byteLength) {
    while (end > 0 && ((raw[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  }
  const kept = raw.subarray(0, end);
  const buffer = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength);
  let encoding: 'utf8' | 'base64' = 'utf8';
  let data: string;
  try {
    // fatal: a lossy decode would hide exactly the bytes someone needs to look at.
    data = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buffer);
  } catch {
    encoding = 'base64';
    data = buffer.toString('base64');
  }
  const record: DlqRecord = {
    type: 'bus.dead_letter',
    version: 1,
    time: now.toISOString(),
    kind: input.kind,
    reason: input.reason.slice(0, 10_000),
    sourceTopic: input.sourceTopic,
    groupId: input.groupId,
    key: input.key.slice(0, 10_000),
    payload: { encoding, data, bytes: raw.byteLength, truncated: kept.byteLength < raw.byteLength },
  };
  if (input.partition !== undefined) record.partition = input.partition;
  if (input.offset !== undefined) record.offset = input.offset;
  if (input.attempts !== undefined) record.attempts = input.attempts;
  return record;
}
