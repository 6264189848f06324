import { createServer } from 'node:net';
import { waitFor } from '../e2e/helpers.js';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Waits until `check` says yes (polled every 200 ms); throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  await waitFor(what, async () => (await check()) || undefined, timeoutMs, 200);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
