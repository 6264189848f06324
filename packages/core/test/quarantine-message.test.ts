import { describe, expect, it } from 'vitest';
import { makeQuarantineMessage, QuarantineMessage } from '../src/index.js';

describe('quarantine message (mcp.quarantines.v1, what a lost Redis is rebuilt from)', () => {
  it('carries the whole record, the poll of the quarantining alert included, and validates', () => {
    const record = { reason: 'poisoned', alertId: 'alr_1', pollId: 'poll-7', actor: 'policy', at: '2026-12-02T10:00:00.000Z' };
    const message = makeQuarantineMessage('mail', record);
    // Without the poll, the rest of the change would be inhibited after a rebuild: never paged.
    expect(QuarantineMessage.parse(JSON.parse(JSON.stringify(message))).quarantine).toEqual(record);
  });

  it('leaves out what the record does not have', () => {
    const message = makeQuarantineMessage('mail', { reason: 'by hand', actor: 'alice', at: '2026-12-02T10:00:00.000Z' });
    expect(message.quarantine).toEqual({ reason: 'by hand', actor: 'alice', at: '2026-12-02T10:00:00.000Z' });
  });
});
