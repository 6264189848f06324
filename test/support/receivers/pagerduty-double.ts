import type { IncomingHttpHeaders } from 'node:http';
import { DoubleServer, header, isHttpUrl, isIsoDateTime, isObject, unknownKeys, type ScriptedAnswer } from './double-server.js';

/**
 * A PagerDuty Events API v2 double (`POST /v2/enqueue`). It checks every field the way the
 * documentation describes them, plus Driftwatch's own contract (acknowledge and resolve carry
 * no payload), answers 202 / 400 like PagerDuty, and plays scripted sequences (202, 400, 429
 * with Retry-After, 500 …). It counts accepted events per dedup_key, so a test can assert
 * "exactly one trigger" on the receiver's side.
 */

const TOP = ['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url'];
const PAYLOAD = ['summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class', 'custom_details'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
export const PD_MAX_BYTES = 512 * 1024;

export interface PagerDutyEventSeen {
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: Record<string, unknown>;
  [key: string]: unknown;
}

export class PagerDutyDouble extends DoubleServer {
  constructor(private readonly routingKey: string) {
    super();
  }

  /** Events PagerDuty accepted (answered 202), in order. */
  events(dedupKey?: string): PagerDutyEventSeen[] {
    return this.accepted()
      .map((r) => r.json as PagerDutyEventSeen)
      .filter((e) => dedupKey === undefined || e.dedup_key === dedupKey);
  }

  /** Accepted events of one action for a dedup_key (triggers include updates, as in PagerDuty). */
  count(dedupKey: string, action: 'trigger' | 'acknowledge' | 'resolve'): number {
    return this.events(dedupKey).filter((e) => e.event_action === action).length;
  }

  triggers(dedupKey: string): number {
    return this.count(dedupKey, 'trigger');
  }

  protected override isSuccess(status: number): boolean {
    return status === 202;
  }

  protected validate(req: { method: string; path: string; headers: IncomingHttpHeaders; rawBody: string; json: unknown }): string[] {
    const p: string[] = [];
    if (req.method !== 'POST') p.push(`method ${req.method}, expected POST`);
    if (req.path !== '/v2/enqueue') p.push(`path ${req.path}, expected /v2/enqueue`);
    if (!header(req.headers, 'content-type')?.startsWith('application/json')) p.push('content-type is not application/json');
    if (Buffer.byteLength(req.rawBody, 'utf8') > PD_MAX_BYTES) p.push(`event is ${Buffer.byteLength(req.rawBody)} bytes, over 512 KB`);
    const e = req.json;
    if (!isObject(e)) return [...p, 'body is not a JSON object'];
    p.push(...unknownKeys(e, TOP, 'event'));
    if (e.routing_key !== this.routingKey) p.push('routing_key is missing or not the integration key');
    if (!['trigger', 'acknowledge', 'resolve'].includes(e.event_action as string)) p.push(`event_action ${JSON.stringify(e.event_action)}`);
    if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length === 0 || e.dedup_key.length > 255)) p.push('dedup_key must be 1–255 characters');
    if (e.event_action !== 'trigger') {
      if (typeof e.dedup_key !== 'string') p.push(`dedup_key is required for ${String(e.event_action)}`);
      if (e.payload !== undefined) p.push(`${String(e.event_action)} carries a payload (Driftwatch sends only the key)`);
    } else {
      if (typeof e.dedup_key !== 'string') p.push('Driftwatch always sends a dedup_key (the incident id)');
      p.push(...this.payloadProblems(e.payload));
    }
    if (e.links !== undefined) {
      if (!Array.isArray(e.links)) p.push('links is not an array');
      else
        e.links.forEach((l, i) => {
          if (!isObject(l) || !isHttpUrl(l.href) || (l.text !== undefined && typeof l.text !== 'string')) p.push(`links[${i}] needs href (a URL) and text`);
          else p.push(...unknownKeys(l, ['href', 'text'], `links[${i}]`));
        });
    }
    if (e.client !== undefined && typeof e.client !== 'string') p.push('client is not a string');
    if (e.client_url !== undefined && !isHttpUrl(e.client_url)) p.push('client_url is not a URL');
    return p;
  }

  private payloadProblems(payload: unknown): string[] {
    if (!isObject(payload)) return ['payload is required for trigger'];
    const p = unknownKeys(payload, PAYLOAD, 'payload');
    if (typeof payload.summary !== 'string' || payload.summary.length === 0 || payload.summary.length > 1024) p.push('payload.summary must be 1–1024 characters');
    if (typeof payload.source !== 'string' || payload.source.length === 0) p.push('payload.source is required');
    if (!SEVERITIES.includes(payload.severity as string)) p.push(`payload.severity ${JSON.stringify(payload.severity)}`);
    if (payload.timestamp !== undefined && !isIsoDateTime(payload.timestamp)) p.push('payload.timestamp is not ISO 8601');
    for (const k of ['component', 'group', 'class']) if (payload[k] !== undefined && typeof payload[k] !== 'string') p.push(`payload.${k} is not a string`);
    if (payload.custom_details !== undefined && !isObject(payload.custom_details)) p.push('payload.custom_details is not an object');
    return p;
  }

  protected invalidAnswer(problems: string[]): ScriptedAnswer {
    return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: problems } };
  }

  protected successAnswer(json: unknown): ScriptedAnswer {
    const key = isObject(json) && typeof json.dedup_key === 'string' ? json.dedup_key : 'generated';
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: key } };
  }

  protected override defaultBody(status: number, json: unknown): string | Record<string, unknown> | undefined {
    if (status === 202) return this.successAnswer(json).body;
    if (status === 400) return { status: 'invalid event', message: 'Event object is invalid', errors: ['scripted'] };
    if (status === 429) return { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' };
    if (status >= 500) return 'Internal Server Error';
    return undefined;
  }
}
