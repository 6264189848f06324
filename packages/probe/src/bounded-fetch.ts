import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetch as undiciFetch, type Dispatcher, type RequestInit as UndiciRequestInit } from 'undici';
import { ProbeError } from './failure.js';

export interface BoundedFetchOptions {
  signal: AbortSignal;
  /**
   * The dispatcher of each request, from the probe's egress (the SSRF guard, see egress.ts): it
   * checks the host before it hands one out. Required, so that no fetch of the probe can reach
   * the network unchecked. `fresh`: drop the origin's pooled connections and start new ones.
   */
  dispatcherFor: (url: URL, fresh: boolean) => Promise<Dispatcher>;
  /** Called once when the server answers with a 3xx (the probe fails as `redirect`). */
  onRedirect?: (message: string) => void;
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
 * The reason for a 3xx: its status and the target's origin only. A Location may carry a token in
 * its path or query, and its userinfo is attacker-chosen text.
 */
export function redirectReason(status: number, location: string | null, base: string | URL): string {
  let target = '';
  if (location !== null) {
    try {
      const u = new URL(location, base);
      target = u.protocol === 'http:' || u.protocol === 'https:' ? ` to ${u.origin}` : ` to a ${u.protocol} URL`;
    } catch {
      target = ' to an invalid URL';
    }
  }
  return `server answered HTTP ${status}, a redirect${target}; redirects are never followed`;
}

/**
 * A fetch for the SDK transports (and model endpoints) that can never hold more than `maxBytes`
 * of one response, that stops when the probe's signal aborts, that connects only through the
 * guarded dispatcher and that never follows a redirect (any 3xx is a `redirect` failure: a
 * redirect could lead to an address the guard would refuse by name, or to another origin that
 * would then receive our headers).
 *
 * undici's own fetch, not the global one: it is the fetch that matches the dispatcher's version,
 * and it honours `dispatcher` whatever global dispatcher the process may have installed.
 */
export function boundedFetch(opts: BoundedFetchOptions): FetchLike {
  return async (url, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, opts.signal]) : opts.signal;
    const send = async (fresh: boolean): Promise<Awaited<ReturnType<typeof undiciFetch>>> => {
      let dispatcher: Dispatcher;
      try {
        dispatcher = await opts.dispatcherFor(new URL(url), fresh);
      } catch (e) {
        // Shaped like fetch's own failure (a refusal or resolver error as the cause), so callers
        // classify it the same way whether it happened before or inside fetch.
        throw new TypeError('fetch failed', { cause: e });
      }
      return undiciFetch(url, { ...(init as UndiciRequestInit), signal, redirect: 'manual', dispatcher });
    };
    let raw: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      try {
        raw = await send(false);
      } catch (e) {
        // A kept-alive connection the server closed as we reused it fails before any answer;
        // like a browser, send once more on a new connection (see STALE_CONNECTION_CODES).
        if (signal.aborted || !isStaleConnection(e) || !replayable(init)) throw e;
        raw = await send(true);
      }
    } catch (e) {
      opts.onNetworkError?.(e);
      throw e;
    }
    opts.onResponse?.((init?.method ?? 'GET').toUpperCase(), raw.status);
    if (raw.status >= 300 && raw.status < 400) {
      void raw.body?.cancel().catch(() => undefined);
      const message = redirectReason(raw.status, raw.headers.get('location'), url);
      opts.onRedirect?.(message);
      throw new ProbeError('redirect', message);
    }
    // The rest of the probe (and the SDK) works with the platform's Response type.
    const res = raw as unknown as Response;
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
    if (!res.body || NULL_BODY_STATUS.has(res.status)) {
      void res.body?.cancel().catch(() => undefined);
      return platformResponse(null, res);
    }
    let seen = 0;
    const countChunk = (n: number): ProbeError | undefined => {
      seen += n;
      if (seen > opts.maxBytes) return tooLarge();
      if (opts.countBytes && !opts.countBytes(n)) return new ProbeError('too_large', 'probe byte budget exceeded');
      return undefined;
    };
    // A JSON answer is read whole anyway (the SDK's response.json()): read it here, bounded, and
    // hand over the bytes, sparing a stream stage per response. Streams (SSE) and everything else
    // stay streamed, and what the SDK would not read (a 202's or an error's body) is not read.
    if (res.status === 200 && isJson(res.headers.get('content-type'))) {
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const over = countChunk(value.byteLength);
        if (over) {
          void reader.cancel().catch(() => undefined);
          throw over;
        }
        chunks.push(value);
      }
      return platformResponse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), res);
    }
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          const over = countChunk(chunk.byteLength);
          if (over) controller.error(over);
          else controller.enqueue(chunk);
        },
      }),
      { signal },
    );
    return platformResponse(counted, res);
  };
}

/**
 * How a reused keep-alive connection fails when the server closed it just as we sent on it: reset,
 * broken pipe, or closed before any answer. A connection refused or timed out is not one of them
 * (that happens on new connections: sending again would only repeat it).
 */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

function isStaleConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return error instanceof TypeError && typeof cause?.code === 'string' && STALE_CONNECTION_CODES.has(cause.code);
}

/** A body that can be sent again as it is (the SDK sends strings; a stream could not be replayed). */
function replayable(init: RequestInit | undefined): boolean {
  return init?.body === undefined || init.body === null || typeof init.body === 'string';
}

/** `application/json` or a `+json` type, parameters aside. */
function isJson(contentType: string | null): boolean {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

function platformResponse(body: ReadableStream<Uint8Array> | Uint8Array | null, res: Response): Response {
  const wrapped = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  // The SDK checks redirects against response.url.
  Object.defineProperty(wrapped, 'url', { value: res.url });
  return wrapped;
}

/** Reads a (bounded) response body as JSON; throws on invalid JSON. */
export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  return JSON.parse(text) as unknown;
}
