import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, installShutdown, type ShutdownStep } from '../src/index.js';

function setup(steps: ShutdownStep[] | (() => ShutdownStep[]), timeoutMs = 1_000) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ name: 'shutdown-test', level: 'debug', destination: stream });
  const target = new EventEmitter();
  const exits: number[] = [];
  const handle = installShutdown({ logger, steps, timeoutMs, exit: (code) => exits.push(code), target });
  const logs = () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { handle, target, exits, logs };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('installShutdown', () => {
  it('on SIGTERM runs the steps in order, logs each with its duration, then exits 0', async () => {
    const order: string[] = [];
    const step = (name: string, ms: number): ShutdownStep => ({
      name,
      close: async () => {
        order.push(`${name}:start`);
        await tick(ms);
        order.push(`${name}:end`);
      },
    });
    const { handle, target, exits, logs } = setup([step('http', 20), step('consumer', 5), step('store', 0)]);
    target.emit('SIGTERM', 'SIGTERM');
    await handle.shutdown('again'); // shares the run started by the signal
    expect(order).toEqual(['http:start', 'http:end', 'consumer:start', 'consumer:end', 'store:start', 'store:end']);
    expect(exits).toEqual([0]);
    const done = logs().filter((l) => l['msg'] === 'shutdown step done');
    expect(done.map((l) => l['step'])).toEqual(['http', 'consumer', 'store']);
    expect(done[0]?.['durationMs']).toBeGreaterThanOrEqual(15);
    expect(logs().find((l) => l['msg'] === 'shutting down')).toMatchObject({ reason: 'SIGTERM' });
  });

  it('a failing step is logged and the next step still runs', async () => {
    const ran: string[] = [];
    const { handle, exits, logs } = setup([
      { name: 'broken', close: async () => { ran.push('broken'); throw new Error('flush failed'); } },
      { name: 'store', close: async () => { ran.push('store'); } },
    ]);
    await handle.shutdown('test');
    expect(ran).toEqual(['broken', 'store']);
    expect(exits).toEqual([0]);
    expect(logs().find((l) => l['msg'] === 'shutdown step failed')).toMatchObject({ level: 'error', step: 'broken' });
  });

  it('a hung step is cut off by the timeout with exit 1', async () => {
    const { handle, exits, logs } = setup([{ name: 'stuck', close: () => new Promise<void>(() => undefined) }], 50);
    const t0 = Date.now();
    await handle.shutdown('test');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(exits).toEqual([1]);
    expect(logs().find((l) => l['msg'] === 'shutdown timed out; exiting')).toMatchObject({ step: 'stuck' });
  });

  it('a second signal during shutdown exits 1 at once', async () => {
    let release!: () => void;
    const { handle, target, exits } = setup([{ name: 'slow', close: () => new Promise<void>((r) => (release = r)) }]);
    target.emit('SIGINT', 'SIGINT');
    await tick();
    expect(exits).toEqual([]);
    target.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([1]);
    release();
    await handle.shutdown('x');
    // Exit is called once only.
    expect(exits).toEqual([1]);
  });

  it('an unhandled rejection logs fatal and shuts down with exit 1', async () => {
    const ran: string[] = [];
    const { handle, target, exits, logs } = setup([{ name: 'store', close: async () => { ran.push('store'); } }]);
    target.emit('unhandledRejection', new Error('nobody caught me'), Promise.resolve());
    await handle.shutdown('x');
    expect(ran).toEqual(['store']);
    expect(exits).toEqual([1]);
    const fatal = logs().find((l) => l['level'] === 'fatal');
    expect(fatal).toMatchObject({ msg: 'unhandled promise rejection' });
    expect(JSON.stringify(fatal)).toContain('nobody caught me');
  });

  it('an uncaught exception logs fatal and shuts down with exit 1', async () => {
    const { handle, target, exits, logs } = setup([]);
    target.emit('uncaughtException', new Error('boom'));
    await handle.shutdown('x');
    expect(exits).toEqual([1]);
    expect(logs().find((l) => l['level'] === 'fatal')).toMatchObject({ msg: 'uncaught exception' });
  });

  it('reads a steps function at shutdown time, and uninstall removes the listeners', async () => {
    const steps: ShutdownStep[] = [];
    const { handle, target, exits } = setup(() => steps);
    const ran: string[] = [];
    steps.push({ name: 'late', close: async () => { ran.push('late'); } });
    expect(target.listenerCount('SIGTERM')).toBe(1);
    await handle.shutdown('x');
    expect(ran).toEqual(['late']);
    expect(exits).toEqual([0]);
    handle.uninstall();
    for (const e of ['SIGTERM', 'SIGINT', 'unhandledRejection', 'uncaughtException']) expect(target.listenerCount(e)).toBe(0);
  });
});
