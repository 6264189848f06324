import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createFileStore, type EventBatch, type StatePort } from '@driftwatch/store';
import { createStreamLimiter, serveEventStream } from '../../src/index.js';
import { registerStreamScenarios } from './stream-scenarios.js';

const silent = pino({ level: 'silent' });

async function fileStore(): Promise<{ store: StatePort; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-sse-'));
  const store = await createFileStore({ dir, logger: silent, maintenanceIntervalMs: 0 });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// A slow poll: the file store's subscription is what delivers at once.
registerStreamScenarios(
  'file store',
  async () => {
    const { store, close } = await fileStore();
    return { writer: store, reader: store, close };
  },
  1_000,
);

describe('serveEventStream: instant delivery and slow clients', () => {
  it('the file store wakes the stream at once, without waiting for the next poll', async () => {
    const { store, close } = await fileStore();
    const res = new SinkResponse(Infinity);
    const ac = new AbortController();
    const done = serveEventStream(fakeRequest(), res.asResponse(), { store, signal: ac.signal, logger: silent, pollMs: 60_000 });
    await expect.poll(() => res.text()).toContain('event: ready');
    const started = Date.now();
    await store.appendAudit({ id: 'a1', type: 'action', version: 1, time: new Date().toISOString(), serverId: 's1', action: 'page', actor: 'policy', reason: 'r' });
    await expect.poll(() => res.text(), { timeout: 2_000, interval: 10 }).toContain('event: action');
    expect(Date.now() - started).toBeLessThan(1_000);
    ac.abort();
    await done;
    await close();
  });

  it('drops a client whose unsent bytes pass the bound, and frees its slot', async () => {
    const limiter = createStreamLimiter(1);
    let reads = 0;
    const store = {
      async readEvents(afterId: string | null): Promise<EventBatch> {
        if (afterId === null) return { events: [], next: '0', reset: null };
        const from = Number(afterId);
        reads++;
        const events = Array.from({ length: 50 }, (_, i) => ({
          id: String(from + i + 1),
          type: 'status' as const,
          time: new Date().toISOString(),
          serverId: 's1',
          data: { from: 'ok' as const, to: 'drifted' as const },
        }));
        return { events, next: String(from + 50), reset: null };
      },
    };
    const res = new SinkResponse(0); // never drains
    await serveEventStream(fakeRequest(), res.asResponse(), { store, signal: new AbortController().signal, logger: silent, pollMs: 5, limiter, maxBufferedBytes: 16 * 1024 });
    expect(res.destroyed).toBe(true);
    expect(limiter.active).toBe(0);
    expect(reads).toBeLessThan(20);
  });

  it('drops a client that stops reading for longer than the stall bound, even under the byte bound', async () => {
    const store = { readEvents: async (): Promise<EventBatch> => ({ events: [], next: '0', reset: null }) };
    const res = new SinkResponse(0, 1); // one byte of buffer: needs a drain after the first write
    const started = Date.now();
    await serveEventStream(fakeRequest(), res.asResponse(), { store, signal: new AbortController().signal, logger: silent, pollMs: 5, stallMs: 200, limiter: createStreamLimiter(1) });
    expect(res.destroyed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('refuses bad options up front', async () => {
    const store = { readEvents: async (): Promise<EventBatch> => ({ events: [], next: '0', reset: null }) };
    await expect(serveEventStream(fakeRequest(), new SinkResponse(Infinity).asResponse(), { store, signal: new AbortController().signal, logger: silent, pollMs: 0 })).rejects.toThrow(/pollMs/);
  });
});

function fakeRequest(): IncomingMessage {
  return Object.assign(new EventEmitter(), { destroyed: false }) as unknown as IncomingMessage;
}

/** A ServerResponse stand-in whose socket accepts `accept` bytes per write callback (0: never drains). */
class SinkResponse extends Writable {
  private readonly chunks: string[] = [];
  constructor(
    private readonly accept: number,
    highWaterMark = 16 * 1024,
  ) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    if (this.accept > 0) cb();
  }
  writeHead(): this {
    return this;
  }
  socket = null;
  text(): string {
    return this.chunks.join('');
  }
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}
