import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWithinDepth, LIMITS } from '@driftwatch/core';

/** An error whose status and code are safe to show to the client; the http server renders it as JSON. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

export interface ReadJsonBodyOptions {
  /** Default LIMITS.maxApiBodyBytes. */
  maxBytes?: number;
}

/**
 * Reads and parses a JSON request body, bounded in size and nesting. Throws HttpError:
 * 415 not JSON content-type, 413 too large (declared or actual), 400 empty / malformed / too deep.
 * The result is `unknown`: callers validate it with zod.
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions = {}): Promise<unknown> {
  const maxBytes = options.maxBytes ?? LIMITS.maxApiBodyBytes;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'request body must be application/json');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, 'payload_too_large', `request body exceeds ${maxBytes} bytes`);
  }

  const text = await readBounded(req, maxBytes);
  if (text.trim() === '') throw new HttpError(400, 'bad_request', 'request body is empty');

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message can quote the body; keep it out of the response.
    throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
  }
  if (!isWithinDepth(value)) {
    throw new HttpError(400, 'bad_request', `request body is nested deeper than ${LIMITS.maxJsonDepth} levels`);
  }
  return value;
}

/**
 * Collects at most maxBytes. On overflow it rejects but keeps discarding what still arrives instead
 * of destroying the request: destroying would kill the socket before the 413 reaches the client.
 * The server answers errors with `connection: close` and its requestTimeout bounds a slow sender.
 */
function readBounded(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) {
        req.on('error', () => undefined);
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish(new HttpError(413, 'payload_too_large', `request body exceeds ${maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onError = (err: Error): void => finish(new HttpError(400, 'bad_request', `request body could not be read: ${err.message}`));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    if (req.readableEnded) finish(null);
  });
}
