import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** Niceness of a task (thread) from /proc/<pid>/task/<tid>/stat (field 19). */
function niceOf(tid: number): number {
  return Number(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
}

describe('lowerThreadPriority', () => {
  it('lowers the calling worker thread only, leaving the event loop thread at its niceness', async () => {
    const before = niceOf(process.pid);
    // A worker that lowers itself and reports its thread id.
    const url = new URL('../src/thread-priority.ts', import.meta.url).href;
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); }).then(async (m) => {
         const ok = m.lowerThreadPriority(7);
         parentPort.postMessage({ ok, tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
       }, (e) => parentPort.postMessage({ error: String(e) }));`,
      { eval: true },
    );
    const reply = await new Promise<{ ok?: boolean; tid?: number; error?: string }>((resolve) => worker.once('message', resolve));
    expect(reply.error).toBeUndefined();
    expect(reply.ok).toBe(true);
    expect(niceOf(reply.tid!)).toBe(7);
    expect(niceOf(process.pid)).toBe(before);
    await worker.terminate();
  });
});
