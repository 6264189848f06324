import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The common part of the receiver doubles: an HTTP server on 127.0.0.1, port 0, that records
 * every request, validates it with the double's own rules (recording each problem), and answers
 * from a script (a queue of answers; the double's success answer when the queue is empty).
 * An invalid request is answered the way the real service would (never from the script), so a
 * test sees the same outcome it would in production.
 */

export interface ScriptedAnswer {
  status: number;
  body?: string | Record<string, unknown>;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  json: unknown;
  /** What the double found wrong with it; empty for a valid request. */
  problems: string[];
  /** The status the double answered. */
  status: number;
  at: number;
}

export type Answer = number | ScriptedAnswer;

/** Largest request body a double reads (PagerDuty's limit is 512 KB; leave room to see excess). */
const MAX_READ = 4 * 1024 * 1024;

export abstract class DoubleServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptedAnswer[] = [];
  private server: Server | undefined;
  private base = '';

  /** Queues answers for the next valid requests, in order. */
  script(...answers: Answer[]): this {
    for (const a of answers) this.queue.push(typeof a === 'number' ? { status: a } : a);
    return this;
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    return this.base;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every problem found in every request (a test of a correct sender expects none). */
  problems(): string[] {
    return this.requests.flatMap((r) => r.problems.map((p) => `${r.method} ${r.path}: ${p}`));
  }

  /** Requests the double answered with a success status. */
  accepted(): RecordedRequest[] {
    return this.requests.filter((r) => this.isSuccess(r.status));
  }

  protected isSuccess(status: number): boolean {
    return status >= 200 && status < 300;
  }

  /** Checks one request; returns its problems. */
  protected abstract validate(req: { method: string; path: string; headers: IncomingHttpHeaders; rawBody: string; json: unknown }): string[];
  /** The real service's answer to an invalid request. */
  protected abstract invalidAnswer(problems: string[], req: { headers: IncomingHttpHeaders; path: string }): ScriptedAnswer;
  /** The real service's success answer. */
  protected abstract successAnswer(json: unknown): ScriptedAnswer;
  /** The body of a scripted answer that has none: the service's usual text for that status. */
  protected defaultBody(status: number, json: unknown): string | Record<string, unknown> | undefined {
    const success = this.successAnswer(json);
    return status === success.status ? success.body : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_READ) chunks.push(chunk as Buffer);
    }
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(rawBody) as unknown;
    } catch {
      json = undefined;
    }
    const method = req.method ?? '';
    const path = req.url ?? '';
    const problems = size > MAX_READ ? [`body larger than ${MAX_READ} bytes`] : this.validate({ method, path, headers: req.headers, rawBody, json });
    let answer: ScriptedAnswer;
    if (problems.length > 0) answer = this.invalidAnswer(problems, { headers: req.headers, path });
    else answer = this.queue.shift() ?? this.successAnswer(json);
    if (answer.body === undefined) {
      const body = this.defaultBody(answer.status, json);
      answer = body === undefined ? answer : { ...answer, body };
    }
    this.requests.push({ method, path, headers: req.headers, rawBody, json, problems, status: answer.status, at: Date.now() });
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const type = typeof answer.body === 'object' ? 'application/json' : 'text/plain; charset=utf-8';
    if (!res.destroyed) {
      res.writeHead(answer.status, { 'content-type': type, ...answer.headers });
      res.end(body);
    }
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Problems for keys of `obj` outside `allowed`. */
export function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): string[] {
  return Object.keys(obj)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}: unknown field "${k}"`);
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** ISO 8601 date-time with a zone, as PagerDuty and the notification contract use. */
export function isIsoDateTime(v: unknown): boolean {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(v) && Number.isFinite(Date.parse(v));
}

export function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Characters a reader cannot see: must reach a human as `<U+XXXX>`, never raw. */
// eslint-disable-next-line no-misleading-character-class
export const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]|\udb40[\udc00-\udc7f]/;
