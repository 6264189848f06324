import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { DeliveryOutcome, Notification, Receiver, Severity } from '@driftwatch/core';

/*
 * A strict local stand-in for PagerDuty's Events API v2 (POST /v2/enqueue), and a minimal
 * in-test receiver that speaks it. The double validates every field, answers from a scripted
 * list of statuses (then 202), and keeps PagerDuty's dedup semantics: a trigger for a dedup_key
 * whose incident is open is deduplicated (no new page); acknowledge and resolve act on it.
 * The real PagerDuty receiver belongs to the receivers helper; this one exists to test the engine.
 */

const MAX_BODY = 512 * 1024;

export const PdEvent = z
  .object({
    routing_key: z.string().regex(/^[A-Za-z0-9]{32}$/, '32 alphanumeric characters'),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1).max(255),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        timestamp: z.iso.datetime({ offset: true }).optional(),
        component: z.string().max(255).optional(),
        group: z.string().max(255).optional(),
        class: z.string().max(255).optional(),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    links: z.array(z.object({ href: z.url(), text: z.string().max(255) }).strict()).max(5).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.event_action === 'trigger' && !e.payload) ctx.addIssue({ code: 'custom', path: ['payload'], message: 'required for trigger' });
  });
export type PdEvent = z.infer<typeof PdEvent>;

export interface PdIncident {
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Incidents opened for this dedup key: each one is a page. */
  pages: number;
  events: PdEvent[];
}

export interface PagerDutyDouble {
  url: string;
  /** Every request, as received. */
  requests: Array<{ at: number; status: number; body: string; idempotencyKey?: string }>;
  /** Accepted (valid, answered 202) events. */
  events: PdEvent[];
  /** Bodies refused as invalid (answered 400), with why. */
  invalid: Array<{ body: string; why: string }>;
  incidents: Map<string, PdIncident>;
  /** Statuses to answer next, in order (then 202). */
  script(...statuses: number[]): void;
  /** Pages (incidents opened) across all dedup keys. */
  pages(): number;
  count(action: PdEvent['event_action']): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startPagerDutyDouble(): Promise<PagerDutyDouble> {
  const scripted: number[] = [];
  const double: Omit<PagerDutyDouble, 'url' | 'close'> = {
    requests: [],
    events: [],
    invalid: [],
    incidents: new Map(),
    script: (...statuses) => void scripted.push(...statuses),
    pages: () => [...double.incidents.values()].reduce((n, i) => n + i.pages, 0),
    count: (action) => double.events.filter((e) => e.event_action === action).length,
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const send = (status: number, json: unknown) => {
      double.requests.push({ at: Date.now(), status, body: body ?? '', ...(typeof req.headers['idempotency-key'] === 'string' ? { idempotencyKey: req.headers['idempotency-key'] } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(404, { status: 'not found' });
    if (req.headers['content-type'] !== 'application/json') return send(400, { status: 'invalid event', message: 'content-type' });
    if (body === null) return send(400, { status: 'invalid event', message: 'payload too large' });
    const scriptedStatus = scripted.shift();
    if (scriptedStatus !== undefined && scriptedStatus !== 202) return send(scriptedStatus, { status: 'scripted' });
    let parsed;
    try {
      parsed = PdEvent.safeParse(JSON.parse(body));
    } catch {
      double.invalid.push({ body, why: 'not JSON' });
      return send(400, { status: 'invalid event', message: 'not JSON' });
    }
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      double.invalid.push({ body, why });
      return send(400, { status: 'invalid event', errors: [why] });
    }
    const e = parsed.data;
    double.events.push(e);
    const inc = double.incidents.get(e.dedup_key);
    if (e.event_action === 'trigger') {
      if (!inc) double.incidents.set(e.dedup_key, { status: 'triggered', pages: 1, events: [e] });
      else {
        inc.events.push(e);
        if (inc.status === 'resolved') {
          inc.status = 'triggered';
          inc.pages++;
        }
      }
    } else if (inc) {
      inc.events.push(e);
      if (inc.status !== 'resolved') inc.status = e.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
    }
    send(202, { status: 'success', message: 'Event processed', dedup_key: e.dedup_key });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...double,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  } as PagerDutyDouble;
}

const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' };

/** A minimal PagerDuty Events v2 receiver for engine tests (the real one is the receivers helper's). */
export function testPagerDutyReceiver(name: string, baseUrl: string, routingKey = 'R0UTINGKEY0123456789abcdefABCDEF'): Receiver {
  return {
    name,
    kind: 'pagerduty',
    async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
      const i = n.incident;
      const action = n.transition === 'acknowledge' ? 'acknowledge' : n.transition === 'resolve' ? 'resolve' : 'trigger';
      const event: PdEvent = {
        routing_key: routingKey,
        event_action: action,
        dedup_key: i.id,
        ...(action === 'trigger'
          ? {
              payload: {
                summary: i.title.slice(0, 1024),
                source: i.serverId,
                severity: PD_SEVERITY[i.severity],
                timestamp: n.time,
                component: i.serverId,
                group: i.groupKey.slice(0, 255),
                class: i.alerts[0]?.kind ?? 'drift',
                custom_details: { alerts: i.alerts.map((a) => ({ kind: a.kind, subject: a.subject, severity: a.severity, summary: a.summary })), quarantined: i.quarantined },
              },
            }
          : {}),
        ...(n.links.api ? { links: [{ href: n.links.api, text: 'Incident in Driftwatch' }] } : {}),
      };
      let res: Response;
      try {
        res = await fetch(`${baseUrl}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': n.idempotencyKey }, body: JSON.stringify(event), signal });
      } catch {
        return { ok: false, retryable: true, reason: signal.aborted ? 'timed out' : 'network error' };
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 202) return { ok: true };
      return { ok: false, retryable: res.status === 429 || res.status >= 500, reason: `HTTP ${res.status}` };
    },
  };
}
