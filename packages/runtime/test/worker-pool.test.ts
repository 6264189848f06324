import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, WorkerTaskError, type WorkerPool } from '../src/worker-pool.js';

const filename = fileURLToPath(new URL('./fixtures/pool-task.mjs', import.meta.url));
const logger = pino({ level: 'silent' });
type Task = { op: 'echo' | 'spin' | 'sleep' | 'throw'; value?: unknown; ms?: number };
const pools: Array<WorkerPool<Task, unknown>> = [];

function pool(extra: Partial<Parameters<typeof createWorkerPool>[0]> = {}): WorkerPool<Task, unknown> {
  const p = createWorkerPool<Task, unknown>({ name: 'test', filename, threads: 1, taskTimeoutMs: 2_000, logger, ...extra });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('createWorkerPool', () => {
  it('runs a task on a thread and returns its result', async () => {
    expect(await pool().run({ op: 'echo', value: { a: [1, 'two'] } })).toEqual({ echoed: { a: [1, 'two'] } });
  });

  it('terminates a task that overruns its budget, keeps the event loop free meanwhile, and goes on', async () => {
    const p = pool();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = performance.now();
    const err = await p.run({ op: 'spin' }, { timeoutMs: 300 }).catch((e: unknown) => e);
    clearInterval(ticker);
    expect(err).toBeInstanceOf(WorkerTaskError);
    expect((err as WorkerTaskError).code).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_500);
    // The spinning thread never held the main thread: its timers kept firing.
    expect(ticks).toBeGreaterThan(10);
    // The thread was replaced: the pool still works.
    expect(await p.run({ op: 'echo', value: 1 })).toEqual({ echoed: 1 });
  });

  it("counts a task's budget from its turn: one queued behind slow tasks is not timed out for waiting", async () => {
    const p = pool({ taskTimeoutMs: 400 });
    // Three tasks of 300 ms each on one thread: the last starts after 600 ms, past its 400 ms budget.
    const results = await Promise.all([0, 1, 2].map(() => p.run({ op: 'sleep', ms: 300 }).catch((e: unknown) => e)));
    expect(results).toEqual(['slept', 'slept', 'slept']);
    // A task that overruns its own budget is still stopped, behind others or not.
    const [, late] = await Promise.all([p.run({ op: 'sleep', ms: 300 }), p.run({ op: 'spin' }).catch((e: unknown) => e)]);
    expect((late as WorkerTaskError).code).toBe('timeout');
  });

  it('reports a task that throws as failed, with its message', async () => {
    const err = (await pool().run({ op: 'throw' }).catch((e: unknown) => e)) as WorkerTaskError;
    expect(err.code).toBe('failed');
    expect(err.message).toContain('task says no');
  });

  it('refuses tasks past its queue bound and after close, and checks its options up front', async () => {
    const p = pool({ maxQueue: 1 });
    const running = p.run({ op: 'sleep', ms: 200 });
    const queued = p.run({ op: 'sleep', ms: 1 });
    const refused = (await p.run({ op: 'echo' }).catch((e: unknown) => e)) as WorkerTaskError;
    expect(refused.code).toBe('queue_full');
    await Promise.all([running, queued]);
    await p.close();
    expect(((await p.run({ op: 'echo' }).catch((e: unknown) => e)) as WorkerTaskError).code).toBe('closed');
    expect(() => createWorkerPool({ name: 'bad', filename, threads: 0, taskTimeoutMs: 1, logger })).toThrow(/threads must be an integer ≥ 1/);
  });
});
