import { describe, expect, it } from 'vitest';
import { runBatch, type BatchMessage } from '../src/kafka-batch.js';

const batch = (...keys: string[]): BatchMessage[] => keys.map((key, i) => ({ key, offset: String(100 + i) }));

/** A promise with its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runBatch (one partition batch of the Kafka bus)', () => {
  it('handles different keys at once and one key in order, one at a time', async () => {
    const messages = batch('a', 'b', 'a', 'b');
    const log: string[] = [];
    const aFirst = gate();
    let active = 0;
    let maxActive = 0;
    const run = runBatch(messages, {
      concurrency: 8,
      stopped: () => false,
      progress: async () => undefined,
      handle: async (m) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${m.key}@${m.offset}`);
        // The first message of `a` waits until `b` has started: sequential handling would hang.
        if (m.offset === '100') await aFirst.promise;
        if (m.key === 'b' && m.offset === '101') aFirst.open();
        await tick();
        log.push(`end ${m.key}@${m.offset}`);
        active -= 1;
        return 'done';
      },
    });
    await run;
    expect(log.indexOf('start b@101')).toBeLessThan(log.indexOf('end a@100'));
    // Per key: the second message starts after the first ended.
    expect(log.indexOf('start a@102')).toBeGreaterThan(log.indexOf('end a@100'));
    expect(log.indexOf('start b@103')).toBeGreaterThan(log.indexOf('end b@101'));
    expect(maxActive).toBe(2);
  });

  it('starts urgent keys first, keeping each key in order and committing only the done prefix', async () => {
    // k1 and k2 are first sights; u is a server the differ analysed before (a rug pull shows there).
    const messages = batch('k1', 'k2', 'u', 'k1', 'u');
    const started: string[] = [];
    const commits: string[] = [];
    const asked: string[] = [];
    await runBatch(messages, {
      concurrency: 1,
      commitEveryMs: 0,
      stopped: () => false,
      urgent: (key) => {
        asked.push(key);
        return key === 'u';
      },
      progress: async (last, next) => void commits.push(`${last.offset}->${next}`),
      handle: async (m) => {
        started.push(`${m.key}@${m.offset}`);
        await tick();
        return 'done';
      },
    });
    expect(started).toEqual(['u@102', 'u@104', 'k1@100', 'k2@101', 'k1@103']);
    // Each key asked once per batch.
    expect(asked.sort()).toEqual(['k1', 'k2', 'u']);
    // u's messages were done first, but nothing before k1@100 could be committed until it was.
    expect(commits[0]).toBe('100->101');
    expect(commits.at(-1)).toBe('104->105');
  });

  it('treats a throwing urgent hint as not urgent', async () => {
    const started: string[] = [];
    await runBatch(batch('a', 'b'), {
      concurrency: 1,
      stopped: () => false,
      urgent: (key) => {
        if (key === 'a') throw new Error('boom');
        return true;
      },
      progress: async () => undefined,
      handle: async (m) => {
        started.push(m.key);
        return 'done';
      },
    });
    expect(started).toEqual(['b', 'a']);
  });

  it('never has more than `concurrency` messages in flight', async () => {
    let active = 0;
    let maxActive = 0;
    await runBatch(batch('a', 'b', 'c', 'd', 'e', 'f'), {
      concurrency: 3,
      stopped: () => false,
      progress: async () => undefined,
      handle: async () => {
        maxActive = Math.max(maxActive, ++active);
        await tick();
        active -= 1;
        return 'done';
      },
    });
    expect(maxActive).toBe(3);
  });

  it('commits only as far as every earlier message is done, and the whole batch at its end', async () => {
    const slow = gate();
    const commits: string[] = [];
    const run = runBatch(batch('a', 'b', 'c'), {
      concurrency: 8,
      commitEveryMs: 0,
      stopped: () => false,
      progress: async (last, next) => void commits.push(`${last.offset}->${next}`),
      handle: async (m) => {
        if (m.key === 'a') await slow.promise;
        return 'done';
      },
    });
    for (let i = 0; i < 5; i++) await tick();
    // b and c are done but a is not: nothing may be committed yet.
    expect(commits).toEqual([]);
    slow.open();
    await run;
    expect(commits).toEqual(['102->103']);
  });

  it('leaves an aborted message and everything after it uncommitted, and skips later messages of its key', async () => {
    const handled: string[] = [];
    const commits: string[] = [];
    await runBatch(batch('a', 'b', 'a', 'c'), {
      concurrency: 8,
      commitEveryMs: 0,
      stopped: () => false,
      progress: async (_last, next) => void commits.push(next),
      handle: async (m) => {
        handled.push(m.offset);
        return m.offset === '101' ? 'aborted' : 'done';
      },
    });
    expect(handled.sort()).toEqual(['100', '101', '102', '103']);
    expect(commits).toEqual(['101']);

    const second: string[] = [];
    const commits2: string[] = [];
    await runBatch(batch('a', 'b', 'a', 'c'), {
      concurrency: 8,
      commitEveryMs: 0,
      stopped: () => false,
      progress: async (_last, next) => void commits2.push(next),
      handle: async (m) => {
        second.push(m.offset);
        return m.offset === '100' ? 'aborted' : 'done';
      },
    });
    // a@102 is never handled out of order after its aborted predecessor.
    expect(second.sort()).toEqual(['100', '101', '103']);
    expect(commits2).toEqual([]);
  });

  it('starts nothing once stopped, and commits what was done before', async () => {
    let stop = false;
    const handled: string[] = [];
    const commits: string[] = [];
    await runBatch(batch('a', 'b', 'c', 'd'), {
      concurrency: 1,
      commitEveryMs: 0,
      stopped: () => stop,
      progress: async (_last, next) => void commits.push(next),
      handle: async (m) => {
        handled.push(m.offset);
        if (m.offset === '101') stop = true;
        return 'done';
      },
    });
    expect(handled).toEqual(['100', '101']);
    expect(commits.at(-1)).toBe('102');
  });

  it('fails the batch when a handler throws, after the others settle, having committed the done prefix', async () => {
    const commits: string[] = [];
    const settled: string[] = [];
    await expect(
      runBatch(batch('a', 'b', 'c'), {
        concurrency: 8,
        commitEveryMs: 0,
        stopped: () => false,
        progress: async (_last, next) => void commits.push(next),
        handle: async (m) => {
          await tick();
          settled.push(m.offset);
          if (m.offset === '101') throw new Error('boom');
          return 'done';
        },
      }),
    ).rejects.toThrow('boom');
    expect(settled.sort()).toEqual(['100', '101', '102']);
    expect(commits.at(-1)).toBe('101');
  });

  it('commits mid-batch at most once per commitEveryMs', async () => {
    let clock = 0;
    const commits: string[] = [];
    await runBatch(batch('a', 'a', 'a', 'a', 'a'), {
      concurrency: 8,
      commitEveryMs: 1_000,
      now: () => clock,
      stopped: () => false,
      progress: async (_last, next) => void commits.push(next),
      handle: async (m) => {
        clock += 400;
        return m ? 'done' : 'aborted';
      },
    });
    // Done at 400, 800, 1200 (commit), 1600, 2000 (under 1 s since the last), then the final one.
    expect(commits).toEqual(['103', '105']);
  });
});
