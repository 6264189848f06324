import type { CatalogEntry } from './build.js';

export interface PostResult {
  id: string;
  outcome: 'added' | 'exists' | 'failed';
  status?: number;
  /** The API's error message (one line, cut), or why the request failed. */
  message?: string;
}

export interface PostOptions {
  /** Base URL of the control plane, e.g. http://127.0.0.1:7420. */
  api: URL;
  apiKey: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

/** Bytes of an answer we read: enough for any error message the API writes. */
const MAX_ANSWER_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * POSTs each entry to /v1/servers, one at a time, in order. 201/200: added; 409 `server_exists`:
 * it exists (not an error: importing twice is harmless); anything else fails with the server's
 * message. When the API cannot be reached at all, the remaining entries are not attempted.
 */
export async function postEntries(entries: readonly CatalogEntry[], options: PostOptions): Promise<PostResult[]> {
  const fetch = options.fetch ?? globalThis.fetch;
  const endpoint = new URL('v1/servers', options.api.href.endsWith('/') ? options.api : new URL(`${options.api.href}/`));
  const results: PostResult[] = [];
  for (const [i, entry] of entries.entries()) {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(entry),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (err) {
      const reason = networkReason(err);
      results.push({ id: entry.id, outcome: 'failed', message: `cannot reach ${endpoint.origin}: ${reason}` });
      for (const rest of entries.slice(i + 1)) results.push({ id: rest.id, outcome: 'failed', message: 'not attempted: the API could not be reached' });
      break;
    }
    const status = response.status;
    if (status === 200 || status === 201) {
      await response.body?.cancel();
      results.push({ id: entry.id, outcome: 'added', status });
    } else {
      const answer = await readError(response);
      // Only `server_exists` means "already there": the API answers 409 too when the catalog is
      // read-only (`catalog: file`) or full, and then nothing was added.
      if (status === 409 && answer.code === 'server_exists') results.push({ id: entry.id, outcome: 'exists', status });
      else results.push({ id: entry.id, outcome: 'failed', status, message: answer.message });
    }
  }
  return results;
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'network error';
}

/** The API's error code, and `HTTP 400: code: message` from its `{error: {code, message}}` (else the status alone). */
async function readError(response: Response): Promise<{ code?: string; message: string }> {
  const text = await readBounded(response);
  let detail = '';
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } | string; message?: unknown };
    const error = typeof body.error === 'object' && body.error !== null ? body.error : undefined;
    const message = error?.message ?? body.message ?? (typeof body.error === 'string' ? body.error : undefined);
    if (typeof error?.code === 'string') code = error.code;
    if (typeof message === 'string') detail = code !== undefined ? `${code}: ${message}` : message;
  } catch {
    // Not JSON: the status is all we report.
  }
  const line = detail.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return { ...(code !== undefined ? { code } : {}), message: `HTTP ${response.status}${line ? `: ${line.length > 300 ? `${line.slice(0, 299)}…` : line}` : ''}` };
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= MAX_ANSWER_BYTES) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // A broken answer still has a status.
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}
