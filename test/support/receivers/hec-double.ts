import type { IncomingHttpHeaders } from 'node:http';
import { DoubleServer, header, isObject, unknownKeys, type ScriptedAnswer } from './double-server.js';

/**
 * A Splunk HTTP Event Collector double (`POST /services/collector/event`, JSON event protocol):
 * `Authorization: Splunk <token>` (401 code 2 when missing, 403 code 4 when wrong, as HEC
 * answers), one JSON object with `event` (required), `time` (epoch seconds), `sourcetype`,
 * `source`, `host`, `index`, `fields`. An optional `checkEvent` validates the event itself (the
 * OCSF schema). Success is 200 `{"text":"Success","code":0}`; the script plays 503 (server busy),
 * 500, 400 …
 */

const TOP = ['event', 'time', 'host', 'source', 'sourcetype', 'index', 'fields'];

export class HecDouble extends DoubleServer {
  constructor(
    private readonly token: string,
    private readonly checkEvent?: (event: unknown) => string[],
  ) {
    super();
  }

  events(): unknown[] {
    return this.accepted().map((r) => (r.json as { event: unknown }).event);
  }

  protected validate(req: { method: string; path: string; headers: IncomingHttpHeaders; rawBody: string; json: unknown }): string[] {
    const auth = header(req.headers, 'authorization');
    if (!auth) return ['auth: token is required'];
    if (auth !== `Splunk ${this.token}`) return ['auth: invalid token'];
    const p: string[] = [];
    if (req.method !== 'POST') p.push(`method ${req.method}`);
    if (req.path !== '/services/collector/event') p.push(`path ${req.path}`);
    const b = req.json;
    if (!isObject(b)) return [...p, 'body is not one JSON object'];
    p.push(...unknownKeys(b, TOP, 'hec event'));
    if (b.event === undefined || b.event === null || b.event === '') p.push('event field is required');
    if (b.time !== undefined && (typeof b.time !== 'number' || b.time < 1e9 || b.time > 1e11)) p.push('time is not epoch seconds');
    for (const k of ['host', 'source', 'sourcetype', 'index']) if (b[k] !== undefined && typeof b[k] !== 'string') p.push(`${k} is not a string`);
    if (this.checkEvent) p.push(...this.checkEvent(b.event));
    return p;
  }

  protected invalidAnswer(problems: string[]): ScriptedAnswer {
    if (problems.includes('auth: token is required')) return { status: 401, body: { text: 'Token is required', code: 2 } };
    if (problems.includes('auth: invalid token')) return { status: 403, body: { text: 'Invalid token', code: 4 } };
    return { status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 } };
  }

  protected successAnswer(): ScriptedAnswer {
    return { status: 200, body: { text: 'Success', code: 0 } };
  }

  protected override defaultBody(status: number): Record<string, unknown> | undefined {
    if (status === 200) return { text: 'Success', code: 0 };
    if (status === 503) return { text: 'Server is busy', code: 9 };
    if (status === 500) return { text: 'Internal server error', code: 8 };
    if (status === 400) return { text: 'Invalid data format', code: 6 };
    return undefined;
  }
}

/**
 * A plain JSON sink (the OCSF receiver's `http` sink): JSON content type, the expected headers,
 * and an optional check of each body.
 */
export class JsonSinkDouble extends DoubleServer {
  constructor(private readonly options: { expectHeaders?: Record<string, string>; check?: (body: unknown) => string[] } = {}) {
    super();
  }

  bodies(): unknown[] {
    return this.accepted().map((r) => r.json);
  }

  protected validate(req: { method: string; headers: IncomingHttpHeaders; json: unknown }): string[] {
    const p: string[] = [];
    if (req.method !== 'POST') p.push(`method ${req.method}`);
    if (!header(req.headers, 'content-type')?.startsWith('application/json')) p.push('content-type is not application/json');
    for (const [name, value] of Object.entries(this.options.expectHeaders ?? {})) if (header(req.headers, name) !== value) p.push(`header ${name} missing or wrong`);
    if (req.json === undefined) p.push('body is not JSON');
    else if (this.options.check) p.push(...this.options.check(req.json));
    return p;
  }

  protected invalidAnswer(problems: string[]): ScriptedAnswer {
    return { status: 400, body: { error: problems.join('; ') } };
  }

  protected successAnswer(): ScriptedAnswer {
    return { status: 200, body: { ok: true } };
  }
}
