import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DoubleServer, header, isIsoDateTime, isObject, type ScriptedAnswer } from './double-server.js';

/**
 * A receiver of Driftwatch's signed webhook that verifies it the way the README tells users to,
 * with its own HMAC code (not the sender's): the signature over `${timestamp}.${rawBody}`, a
 * timestamp within `toleranceSeconds` of its clock, the idempotency key equal to the body's,
 * the configured extra headers, and the body's shape. A bad signature or a stale timestamp is
 * answered 401; a bad body 422. Counts deliveries per idempotency key (repeats are visible).
 */

const TRANSITIONS = ['trigger', 'update', 'acknowledge', 'resolve'];

export class WebhookDouble extends DoubleServer {
  constructor(
    private readonly secret: string,
    private readonly options: { toleranceSeconds?: number; expectHeaders?: Record<string, string>; path?: string } = {},
  ) {
    super();
  }

  get endpoint(): string {
    return `${this.url}${this.options.path ?? '/hooks/driftwatch'}`;
  }

  bodies(): Array<Record<string, unknown>> {
    return this.accepted().map((r) => r.json as Record<string, unknown>);
  }

  /** Accepted deliveries per idempotency key. */
  deliveries(key: string): number {
    return this.accepted().filter((r) => header(r.headers, 'x-driftwatch-idempotency-key') === key).length;
  }

  protected validate(req: { method: string; path: string; headers: IncomingHttpHeaders; rawBody: string; json: unknown }): string[] {
    const p: string[] = [];
    if (req.method !== 'POST') p.push(`method ${req.method}`);
    if (req.path !== (this.options.path ?? '/hooks/driftwatch')) p.push(`path ${req.path}`);
    if (!header(req.headers, 'content-type')?.startsWith('application/json')) p.push('content-type is not application/json');
    const ts = header(req.headers, 'x-driftwatch-timestamp');
    const sig = header(req.headers, 'x-driftwatch-signature');
    if (!ts || !/^\d+$/.test(ts)) p.push('signature: timestamp missing or not Unix seconds');
    else if (Math.abs(Date.now() / 1000 - Number(ts)) > (this.options.toleranceSeconds ?? 300)) p.push('signature: timestamp outside the replay window');
    else {
      const expected = createHmac('sha256', this.secret).update(`${ts}.${req.rawBody}`).digest();
      const given = /^v1=([0-9a-f]{64})$/.exec(sig ?? '');
      if (!given || !timingSafeEqual(expected, Buffer.from(given[1]!, 'hex'))) p.push('signature: HMAC does not match');
    }
    for (const [name, value] of Object.entries(this.options.expectHeaders ?? {})) {
      if (header(req.headers, name) !== value) p.push(`header ${name} missing or wrong`);
    }
    const b = req.json;
    if (!isObject(b)) return [...p, 'body is not a JSON object'];
    if (b.version !== 1) p.push('version is not 1');
    if (b.type !== 'driftwatch.incident') p.push('type is not driftwatch.incident');
    if (!TRANSITIONS.includes(b.transition as string)) p.push(`transition ${JSON.stringify(b.transition)}`);
    if (header(req.headers, 'x-driftwatch-event') !== b.transition) p.push('x-driftwatch-event differs from the body');
    if (typeof b.idempotencyKey !== 'string' || header(req.headers, 'x-driftwatch-idempotency-key') !== b.idempotencyKey) p.push('idempotency key missing or differs from the body');
    if (!isIsoDateTime(b.time)) p.push('time is not ISO 8601');
    if (!isObject(b.links)) p.push('links is not an object');
    const inc = b.incident;
    if (!isObject(inc)) return [...p, 'incident is not an object'];
    for (const k of ['id', 'serverId', 'groupKey', 'status', 'severity', 'title', 'openedAt', 'lastChangeAt']) if (typeof inc[k] !== 'string') p.push(`incident.${k} is not a string`);
    if (!Array.isArray(inc.alerts)) p.push('incident.alerts is not an array');
    if (typeof inc.quarantined !== 'boolean') p.push('incident.quarantined is not a boolean');
    return p;
  }

  protected invalidAnswer(problems: string[]): ScriptedAnswer {
    const auth = problems.some((x) => x.startsWith('signature:'));
    return auth ? { status: 401, body: { error: 'invalid signature' } } : { status: 422, body: { error: problems.join('; ') } };
  }

  protected successAnswer(): ScriptedAnswer {
    return { status: 204 };
  }
}
