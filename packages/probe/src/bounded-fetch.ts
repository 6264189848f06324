import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ProbeError } from './failure.js';

export interface BoundedFetchOptions {
  signal: AbortSignal;
  /** Largest body accepted for one response (an SSE stream counts as one response). */
  maxBytes: number;
  /** Counts every byte against a wider budget; returns false when that budget is spent. */
  countBytes?: (n: number) => boolean;
  /** Called once when a body goes over `maxBytes` (the MCP probe fails as `too_large`). */
  onTooLarge?: (message: string) => void;
  onResponse?: (method: string, status: number) => void;
  onNetworkError?: (error: unknown) => void;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch for the SDK transports (and model endpoints) that can never hold more than `maxBytes`
 * of one response and that stops when the probe's signal aborts.
 */
export function boundedFetch(opts: BoundedFetchOptions): FetchLike {
  return async (url, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, opts.signal]) : opts.signal;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal });
    } catch (e) {
      opts.onNetworkError?.(e);
      throw e;
    }
    opts.onResponse?.((init?.method ?? 'GET').toUpperCase(), res.status);
    const tooLarge = (): ProbeError => {
      const message = `server sent a response larger than ${opts.maxBytes} bytes`;
      opts.onTooLarge?.(message);
      return new ProbeError('too_large', message);
    };
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      void res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (!res.body || NULL_BODY_STATUS.has(res.status)) return res;
    let seen = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > opts.maxBytes) {
            controller.error(tooLarge());
            return;
          }
          if (opts.countBytes && !opts.countBytes(chunk.byteLength)) {
            controller.error(new ProbeError('too_large', 'probe byte budget exceeded'));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
      { signal },
    );
    const wrapped = new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
    // The SDK checks redirects against response.url.
    Object.defineProperty(wrapped, 'url', { value: res.url });
    return wrapped;
  };
}

/** Reads a (bounded) response body as JSON; throws on invalid JSON. */
export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  return JSON.parse(text) as unknown;
}
