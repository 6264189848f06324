import { describe, expect, it } from 'vitest';
import { ServerConfig } from '@driftwatch/core';
import { DueQueue, type DueJob } from '../src/due-queue.js';

function job(id: string, dueAt: number, intervalS: number): DueJob {
  const server = ServerConfig.parse({ id, transport: 'stdio', command: 'node', interval: intervalS });
  return { server, slot: 1, pollId: `${id}@1`, dueAt, deadline: dueAt + intervalS * 1000 };
}

describe('DueQueue', () => {
  it('starts the job whose slot ends first, healthy lane before probation', () => {
    const q = new DueQueue();
    q.push(job('slow-interval', 0, 300), false);
    q.push(job('fast-interval', 10, 2), false);
    q.push(job('failing', 0, 1), true);
    expect(q.next(0, 4)?.job.server.id).toBe('fast-interval');
    expect(q.next(0, 4)?.job.server.id).toBe('slow-interval');
    expect(q.next(0, 4)).toEqual({ job: expect.objectContaining({ pollId: 'failing@1' }), probation: true });
    expect(q.next(0, 4)).toBeUndefined();
  });

  it('holds probation jobs back once they use their share of the slots', () => {
    const q = new DueQueue();
    q.push(job('a', 0, 5), true);
    expect(q.next(2, 2)).toBeUndefined();
    expect(q.next(1, 2)?.job.server.id).toBe('a');
  });

  it('keeps one job per server: a newer slot replaces the older, which it returns as late', () => {
    const q = new DueQueue();
    q.push(job('a', 0, 5), false);
    const older = q.push({ ...job('a', 5000, 5), slot: 2, pollId: 'a@2' }, true);
    expect(older?.pollId).toBe('a@1');
    expect(q.size).toBe(1);
    expect(q.next(0, 1)?.job.pollId).toBe('a@2');
  });
});
