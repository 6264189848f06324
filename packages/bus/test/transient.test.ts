import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidMessageError, isInfrastructureError } from '../src/index.js';

const withProps = (message: string, props: Record<string, unknown>): Error => Object.assign(new Error(message), props);

describe('isInfrastructureError', () => {
  it('recognises ioredis giving up on an unreachable Redis', () => {
    const maxRetries = withProps('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.', {
      name: 'MaxRetriesPerRequestError',
    });
    expect(isInfrastructureError(maxRetries)).toBe(true);
    // The same message without the class name (e.g. re-thrown as a plain Error).
    expect(isInfrastructureError(new Error(maxRetries.message))).toBe(true);
    expect(isInfrastructureError(new Error('Connection is closed.'))).toBe(true);
    expect(isInfrastructureError(new Error('Command timed out'))).toBe(true);
    expect(isInfrastructureError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
  });

  it('recognises socket errors by code', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']) {
      expect(isInfrastructureError(withProps(`connect ${code} 127.0.0.1:6379`, { code, syscall: 'connect' })), code).toBe(true);
    }
  });

  it('recognises kafkajs errors that mean the broker is unavailable', () => {
    for (const name of [
      'KafkaJSConnectionError',
      'KafkaJSConnectionClosedError',
      'KafkaJSRequestTimeoutError',
      'KafkaJSNumberOfRetriesExceeded',
      'KafkaJSBrokerNotFound',
      'KafkaJSLockTimeout',
      'KafkaJSMetadataNotLoaded',
    ]) {
      expect(isInfrastructureError(withProps('x', { name, retriable: false })), name).toBe(true);
    }
    // Any retriable kafkajs error, e.g. a leader election in progress.
    expect(isInfrastructureError(withProps('There is no leader for this topic-partition', { name: 'KafkaJSProtocolError', retriable: true, type: 'LEADER_NOT_AVAILABLE' }))).toBe(true);
    // …but not a non-retriable one (a message too large will never fit).
    expect(isInfrastructureError(withProps('The request included a message larger than the max message size', { name: 'KafkaJSProtocolError', retriable: false }))).toBe(false);
  });

  it('recognises the store being unavailable, by name', () => {
    class StoreUnavailableError extends Error {
      override readonly name = 'StoreUnavailableError';
    }
    expect(isInfrastructureError(new StoreUnavailableError('file store is closed'))).toBe(true);
  });

  it('honours an explicit opt-in', () => {
    expect(isInfrastructureError(withProps('upstream is down', { infrastructure: true }))).toBe(true);
    expect(isInfrastructureError(withProps('upstream is down', { infrastructure: 'yes' }))).toBe(false);
  });

  it('looks through cause chains and aggregates, to a bounded depth', () => {
    const refused = withProps('connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' });
    const kafkajs = withProps('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { name: 'KafkaJSNonRetriableError', retriable: false, cause: refused });
    expect(isInfrastructureError(new Error('publishing the alert failed', { cause: kafkajs }))).toBe(true);
    expect(isInfrastructureError(new AggregateError([new TypeError('x'), refused], 'all attempts failed'))).toBe(true);
    expect(isInfrastructureError(new AggregateError([new TypeError('x'), new Error('y')]))).toBe(false);

    let deep: Error = refused;
    for (let n = 0; n < 10; n++) deep = new Error(`wrapper ${n}`, { cause: deep });
    expect(isInfrastructureError(deep)).toBe(false);

    // A cycle terminates.
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isInfrastructureError(a)).toBe(false);
  });

  it('rejects ordinary failures', () => {
    const zod = z.object({ n: z.number() }).safeParse({ n: 'x' });
    expect(zod.success).toBe(false);
    for (const error of [
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      zod.error,
      new InvalidMessageError('field n is not a number'),
      new Error('cannot handle message 1'),
      // Similar words about something else (an MCP server closing on us) are not our dependencies.
      new Error('MCP error -32000: Connection closed'),
      withProps('ERR wrong number of arguments', { name: 'ReplyError' }),
      'a string',
      undefined,
      null,
      { code: 42 },
    ]) {
      expect(isInfrastructureError(error), String(error)).toBe(false);
    }
  });
});
