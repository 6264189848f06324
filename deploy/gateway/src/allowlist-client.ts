import { AllowlistDocument } from '@driftwatch/core';

export interface AllowlistClientOptions {
  /** e.g. https://driftwatch.internal:7420/v1/allowlist */
  url: string;
  /** `Bearer <key or token>` with the `read` scope. Never logged. */
  authorization?: string;
  /**
   * How long a document stays usable after the last successful fetch (200 or 304). Past that,
   * `current()` is null and the gateway refuses every call: a gateway cut off from Driftwatch
   * must not keep trusting what it last heard. Default 5 minutes.
   */
  maxAgeMs?: number;
  /** Upper bound on one request. Default 10 s. */
  timeoutMs?: number;
  /** Upper bound on a document's size. Default 16 MiB. */
  maxBytes?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export type RefreshOutcome = 'updated' | 'not_modified';

export interface AllowlistClient {
  /** One conditional GET (If-None-Match with the last ETag). Throws on failure; the last document stays until it ages out. */
  refresh(): Promise<RefreshOutcome>;
  /** The last document, or null when there is none or it is older than maxAgeMs. */
  current(): AllowlistDocument | null;
  readonly etag: string | undefined;
  /** Polls every intervalMs until stop(); errors go to onError and never stop the loop. */
  start(intervalMs: number, onError?: (err: unknown) => void): void;
  stop(): void;
}

/** Polls the Driftwatch allowlist cheaply: a 304 costs no body and keeps the document fresh. */
export function createAllowlistClient(options: AllowlistClientOptions): AllowlistClient {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  let doc: AllowlistDocument | null = null;
  let etag: string | undefined;
  let confirmedAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<RefreshOutcome> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authorization) headers.authorization = options.authorization;
    if (etag && doc) headers['if-none-match'] = etag;
    const res = await doFetch(options.url, { headers, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    if (res.status === 304) {
      await res.body?.cancel();
      if (!doc) throw new Error('allowlist answered 304 to a request without If-None-Match');
      confirmedAt = now();
      return 'not_modified';
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`allowlist answered ${res.status}`);
    }
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > maxBytes) {
      await res.body?.cancel();
      throw new Error(`allowlist document of ${length} bytes is over the ${maxBytes}-byte limit`);
    }
    const text = await res.text();
    if (text.length > maxBytes) throw new Error(`allowlist document is over the ${maxBytes}-byte limit`);
    // Validated like any external input: a document that does not parse is no allowlist.
    const parsed = AllowlistDocument.parse(JSON.parse(text));
    doc = parsed;
    etag = res.headers.get('etag') ?? undefined;
    confirmedAt = now();
    return 'updated';
  }

  return {
    refresh,
    current() {
      return doc && now() - confirmedAt <= maxAgeMs ? doc : null;
    },
    get etag() {
      return etag;
    },
    start(intervalMs, onError) {
      if (timer) return;
      const tick = () => {
        refresh()
          .catch((err: unknown) => onError?.(err))
          .finally(() => {
            if (timer) timer = setTimeout(tick, intervalMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
