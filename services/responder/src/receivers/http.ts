import { receiverUrlProblem } from '@driftwatch/core';
import { createAddressGuard } from '@driftwatch/probe/address-guard';
import { createGuardedDispatcher } from '@driftwatch/probe/guarded-dispatcher';
import { fetch as undiciFetch } from 'undici';
import type { HttpAnswer } from './outcome.js';

/**
 * A fetch the caller may inject (tests that simulate the network, a proxy-aware client). It
 * receives `redirect: 'manual'` and must honour `signal`. The SSRF guard cannot look inside it:
 * with an injected fetch only the URL's literal host is checked (the config-load policy).
 */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{ status: number; headers: { get(name: string): string | null }; body: ReadableStream<Uint8Array> | null }>;

export interface PostRequest {
  /** `slack receiver ops`: what errors name instead of the URL (which may be the secret). */
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
  allowPrivateNetwork: boolean;
  fetch?: FetchLike;
}

export type PostResult = { kind: 'answer'; answer: HttpAnswer } | { kind: 'failed'; retryable: boolean; reason: string };

/** Bytes of a receiver's answer we read: enough for any error message, no more. */
export const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * One bounded POST: a deadline (`timeoutMs`, or the caller's signal, whichever ends first),
 * redirects never followed, at most MAX_ANSWER_BYTES of the answer read. With the built-in fetch
 * every connection goes through the probe's SSRF guard (one resolution per call, every address
 * checked, the socket connects only to checked addresses), so a receiver host that starts to
 * resolve to a metadata or private address is refused at send time, not just at config load.
 *
 * Never throws. A failure's reason names the receiver (`label`), never the URL.
 */
export async function postOnce(req: PostRequest): Promise<PostResult> {
  if (req.signal.aborted) return { kind: 'failed', retryable: true, reason: `${req.label}: delivery aborted before sending` };
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  const init = { method: 'POST' as const, headers: req.headers, body: req.body, signal, redirect: 'manual' as const };
  let dispatcher: ReturnType<typeof createGuardedDispatcher> | undefined;
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    if (req.fetch) {
      const problem = receiverUrlProblem(req.url, req.allowPrivateNetwork);
      if (problem) return { kind: 'failed', retryable: false, reason: `${req.label}: ${problem}` };
      res = await req.fetch(req.url, init);
    } else {
      dispatcher = createGuardedDispatcher(createAddressGuard({ allowPrivateNetwork: req.allowPrivateNetwork }));
      res = (await undiciFetch(req.url, { ...init, dispatcher })) as unknown as Awaited<ReturnType<FetchLike>>;
    }
    const body = await readBounded(res, MAX_ANSWER_BYTES);
    return { kind: 'answer', answer: { status: res.status, headers: res.headers, body } };
  } catch (err) {
    return { kind: 'failed', ...failure(req, err, timeout) };
  } finally {
    void dispatcher?.destroy().catch(() => undefined);
  }
}

function failure(req: PostRequest, err: unknown, timeout: AbortSignal): { retryable: boolean; reason: string } {
  if (req.signal.aborted) return { retryable: true, reason: `${req.label}: delivery aborted` };
  if (timeout.aborted) return { retryable: true, reason: `${req.label}: no answer within ${req.timeoutMs} ms` };
  const blocked = findCause(err, (e) => (e as { code?: unknown }).code === 'blocked_address');
  // A refusal is policy: retrying cannot make the address acceptable. The guard's message names
  // the host and the address, never a path.
  if (blocked) return { retryable: false, reason: `${req.label}: ${(blocked as Error).message}` };
  const coded = findCause(err, (e) => typeof (e as { code?: unknown }).code === 'string');
  const code = coded ? String((coded as { code: string }).code) : err instanceof Error ? err.name : 'unknown';
  return { retryable: true, reason: `${req.label}: network error (${code.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64)})` };
}

function findCause(err: unknown, test: (e: object) => boolean): object | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e && typeof e === 'object'; depth += 1) {
    if (test(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readBounded(res: { body: ReadableStream<Uint8Array> | null }, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
