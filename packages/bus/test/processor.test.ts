import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { DlqRecord } from '../src/dlq.js';
import { processDelivery, type Delivery, type ProcessContext } from '../src/processor.js';
import { withRetries } from '../src/retry.js';
import { InvalidMessageError, type BusMessage } from '../src/index.js';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
const kafkaDown = (): Error => Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', retriable: true });
const ordinary = (n: number): Error => new Error(`cannot handle message (${n})`);

function setup(overrides: Partial<ProcessContext> = {}) {
  const dead: DlqRecord[] = [];
  const onDlq = vi.fn();
  const between = vi.fn(async () => undefined);
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn() };
  const abort = new AbortController();
  const ctx: ProcessContext = {
    groupId: 'g',
    retries: 3,
    backoffMs: 1,
    maxHeldBackoffMs: 2,
    signal: abort.signal,
    logger: logger as unknown as Logger,
    between,
    deadLetter: async (record) => void dead.push(record),
    onDlq,
    ...overrides,
  };
  return { ctx, dead, onDlq, between, logger, abort };
}

const delivery: Delivery = { topic: 'mcp.snapshots.v1', key: 'server-a', partition: 0, offset: '7', bytes: Buffer.from('{"n":1}') };

/** A handler that throws each of `failures` in turn, then succeeds. */
function scripted(failures: readonly (() => Error)[]) {
  const calls: number[] = [];
  const handler = vi.fn(async (_message: BusMessage<unknown>) => {
    calls.push(calls.length + 1);
    const next = failures[calls.length - 1];
    if (next) throw next();
  });
  return { handler, options: { groupId: 'g', topic: delivery.topic, decode: (v: unknown) => v, handler } };
}

/** The fields of each "holding the message" warning logged. */
const holdingLines = (logger: { warn: ReturnType<typeof vi.fn> }): unknown[] =>
  logger.warn.mock.calls.filter(([, text]) => String(text).includes('holding the message')).map(([fields]) => fields);

describe('processDelivery during a dependency outage', () => {
  it('holds a message through any number of infrastructure failures, then handles it: no dead letter', async () => {
    const { ctx, dead, onDlq, between, logger } = setup();
    const { handler, options } = scripted([...Array.from({ length: 6 }, () => refused), ...Array.from({ length: 6 }, () => kafkaDown)]);
    expect(await processDelivery(delivery, options, ctx)).toBe('done');
    expect(handler).toHaveBeenCalledTimes(13);
    expect(dead).toEqual([]);
    expect(onDlq).not.toHaveBeenCalled();
    // Still heartbeating between every attempt, but one "holding" line, not twelve.
    expect(between).toHaveBeenCalledTimes(12);
    expect(holdingLines(logger)).toHaveLength(1);
    expect(holdingLines(logger)[0]).toMatchObject({ attempt: 1, err: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  it('still dead-letters a message whose handler keeps failing for its own reasons, after `retries` attempts', async () => {
    const { ctx, dead, onDlq, logger } = setup();
    const { handler, options } = scripted(Array.from({ length: 10 }, (_, n) => () => ordinary(n + 1)));
    expect(await processDelivery(delivery, options, ctx)).toBe('done');
    expect(handler).toHaveBeenCalledTimes(3);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ kind: 'handler_failed', attempts: 3, sourceTopic: delivery.topic, key: delivery.key });
    expect(dead[0]?.reason).toContain('cannot handle message (3)');
    expect(onDlq).toHaveBeenCalledWith(delivery.topic, 'handler_failed');
    expect(holdingLines(logger)).toHaveLength(0);
  });

  it('counts only ordinary failures toward the attempts', async () => {
    // 2 ordinary failures (of 3 allowed) around 10 infrastructure ones: handled, not dead-lettered.
    const survives = setup();
    const held = Array.from({ length: 5 }, () => refused);
    const a = scripted([() => ordinary(1), ...held, () => ordinary(2), ...held]);
    expect(await processDelivery(delivery, a.options, survives.ctx)).toBe('done');
    expect(a.handler).toHaveBeenCalledTimes(13);
    expect(survives.dead).toEqual([]);

    // A third ordinary failure dead-letters it, reporting the 3 attempts it used.
    const fails = setup();
    const b = scripted([() => ordinary(1), ...held, () => ordinary(2), ...held, () => ordinary(3)]);
    expect(await processDelivery(delivery, b.options, fails.ctx)).toBe('done');
    expect(b.handler).toHaveBeenCalledTimes(13);
    expect(fails.dead).toHaveLength(1);
    expect(fails.dead[0]).toMatchObject({ kind: 'handler_failed', attempts: 3 });
    expect(fails.dead[0]?.reason).toContain('cannot handle message (3)');
  });

  it('stops holding when the subscription closes: aborted, left uncommitted, not dead-lettered', async () => {
    const { ctx, dead, abort, logger } = setup({ backoffMs: 60_000, maxHeldBackoffMs: 60_000 });
    let calls = 0;
    const handler = vi.fn(async () => {
      calls++;
      throw refused();
    });
    const running = processDelivery(delivery, { groupId: 'g', topic: delivery.topic, decode: (v: unknown) => v, handler }, ctx);
    // Abort while it sleeps between held attempts: it must not wait out the backoff.
    setTimeout(() => abort.abort(), 20);
    const started = Date.now();
    expect(await running).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toBe(1);
    expect(dead).toEqual([]);
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ attempts: 0, held: 1 }), expect.stringContaining('left for redelivery'));
  });

  it('still dead-letters an invalid message at once, whatever else is going on', async () => {
    const { ctx, dead } = setup();
    const handler = vi.fn(async () => {
      throw new InvalidMessageError('field n is not a number');
    });
    expect(await processDelivery(delivery, { groupId: 'g', topic: delivery.topic, decode: (v: unknown) => v, handler }, ctx)).toBe('done');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(dead).toMatchObject([{ kind: 'invalid_message' }]);
  });
});

describe('withRetries with held failures', () => {
  const isHeld = (error: unknown): boolean => error instanceof Error && error.message === 'held';

  it('reports attempts used and held failures separately', async () => {
    const script = ['held', 'boom', 'held', 'held'];
    let n = 0;
    const outcome = await withRetries(
      async () => {
        const next = script[n++];
        if (next) throw new Error(next);
      },
      { attempts: 2, backoffMs: 1, maxHeldBackoffMs: 1, isHeld },
    );
    expect(outcome).toEqual({ status: 'ok', attempts: 2, held: 3 });
  });

  it('tells `between` which failures were held', async () => {
    const seen: [number, boolean][] = [];
    const outcome = await withRetries(
      async () => {
        throw new Error(seen.length < 2 ? 'held' : 'boom');
      },
      { attempts: 2, backoffMs: 1, maxHeldBackoffMs: 1, isHeld, between: (attempt, _error, held) => void seen.push([attempt, held]) },
    );
    expect(outcome).toMatchObject({ status: 'failed', attempts: 2, held: 2 });
    expect(seen).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it('behaves as before without isHeld', async () => {
    const outcome = await withRetries(
      async () => {
        throw new Error('held');
      },
      { attempts: 3, backoffMs: 1 },
    );
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3, held: 0 });
  });
});
