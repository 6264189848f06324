import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { deriveStatus, LIMITS, type DriftwatchConfig } from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { formatPath, HttpError, readJsonBody, sendJson, type DriftwatchMetrics, type RouteHandler } from '@driftwatch/runtime';
import { Actor, AlertQuery, ReasonBody } from './bodies.js';
import { approve, ConflictError, release } from './control.js';
import { alertView, serverView } from './views.js';

export interface ApiOptions {
  config: DriftwatchConfig;
  bus: BusPort;
  store: StatePort;
  logger: Logger;
  metrics: DriftwatchMetrics;
  now?: () => Date;
}

type Params = Record<string, string>;
type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void>;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  name: string;
  handler: Handler;
}

/** Names the field a zod error is about, so a 400 says what to fix. */
function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${formatPath(i.path) || 'body'}: ${i.message}`).join('; ');
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, 'bad_request', `invalid ${what}: ${describe(r.error)}`);
  return r.data;
}

export function createApiHandler(options: ApiOptions): RouteHandler {
  const { config, store, bus, logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const servers = new Map(config.servers.map((s) => [s.id, s]));

  function serverOr404(id: string) {
    const server = servers.get(id);
    if (!server) throw new HttpError(404, 'not_found', `no server with id "${id}"`);
    return server;
  }

  function actorOf(req: IncomingMessage): string {
    const header = req.headers['x-driftwatch-actor'];
    if (header === undefined) return 'api';
    return parse(Actor, Array.isArray(header) ? header[0] : header, 'x-driftwatch-actor header');
  }

  async function reasonOf(req: IncomingMessage): Promise<string> {
    const body = await readJsonBody(req, { maxBytes: LIMITS.maxApiBodyBytes });
    return parse(ReasonBody, body, 'body').reason;
  }

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/v1\/servers$/,
      name: '/v1/servers',
      handler: async (_req, res) => {
        const states = new Map((await store.listServerStates()).map((s) => [s.serverId, s]));
        sendJson(res, 200, { servers: config.servers.map((s) => serverView(s, states.get(s.id) ?? null)) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/servers\/(?<id>[^/]+)$/,
      name: '/v1/servers/{id}',
      handler: async (_req, res, p) => {
        const server = serverOr404(p.id!);
        const [state, open] = await Promise.all([
          store.getServerState(server.id),
          store.listAlerts({ serverId: server.id, status: 'open', limit: 1000 }),
        ]);
        sendJson(res, 200, { ...serverView(server, state), openAlerts: open.map(alertView) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/alerts$/,
      name: '/v1/alerts',
      handler: async (_req, res, _p, url) => {
        const q = parse(AlertQuery, Object.fromEntries(url.searchParams), 'query');
        if (q.serverId) serverOr404(q.serverId);
        const alerts = await store.listAlerts({
          limit: q.limit,
          ...(q.serverId ? { serverId: q.serverId } : {}),
          ...(q.severity ? { minSeverity: q.severity } : {}),
          ...(q.status ? { status: q.status } : {}),
        });
        sendJson(res, 200, { alerts: alerts.map(alertView) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/servers\/(?<id>[^/]+)\/approve$/,
      name: '/v1/servers/{id}/approve',
      handler: async (req, res, p) => {
        const server = serverOr404(p.id!);
        const actor = actorOf(req);
        const reason = await reasonOf(req);
        const result = await approve({ bus, store, now }, server, actor, reason);
        logger.info({ serverId: server.id, actor, ...result }, 'baseline approved');
        metrics.actionsTotal.inc({ action: 'approve' });
        sendJson(res, 200, { serverId: server.id, ...result });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/servers\/(?<id>[^/]+)\/release$/,
      name: '/v1/servers/{id}/release',
      handler: async (req, res, p) => {
        const server = serverOr404(p.id!);
        const actor = actorOf(req);
        const reason = await reasonOf(req);
        const result = await release({ bus, store, now }, server, actor, reason);
        logger.info({ serverId: server.id, actor, actionId: result.actionId }, 'quarantine released');
        metrics.actionsTotal.inc({ action: 'release' });
        metrics.quarantinedServers.set(await store.countQuarantined());
        sendJson(res, 200, { serverId: server.id, ...result });
      },
    },
    {
      // What gateways read: the servers an agent may talk to right now.
      method: 'GET',
      pattern: /^\/v1\/allowlist$/,
      name: '/v1/allowlist',
      handler: async (_req, res) => {
        const states = new Map((await store.listServerStates()).map((s) => [s.serverId, s]));
        const allowed = config.servers.filter((s) => deriveStatus(states.get(s.id)) === 'ok').map((s) => s.id);
        sendJson(res, 200, { allowed, generatedAt: now().toISOString() });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/actions$/,
      name: '/v1/actions',
      handler: async (_req, res, _p, url) => {
        const q = parse(
          z.object({ serverId: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(),
          Object.fromEntries(url.searchParams),
          'query',
        );
        sendJson(res, 200, { actions: await store.listAudit(q.limit, q.serverId) });
      },
    },
  ];

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matches = routes.filter((r) => r.pattern.test(url.pathname));
    if (matches.length === 0) return false;
    const route = matches.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('allow', matches.map((r) => r.method).join(', '));
      sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${url.pathname}` } });
      metrics.apiRequestsTotal.inc({ method: req.method ?? '?', route: matches[0]!.name, status: '405' });
      return true;
    }
    const params = { ...(route.pattern.exec(url.pathname)?.groups ?? {}) };
    for (const k of Object.keys(params)) params[k] = safeDecode(params[k]!);
    let status = 200;
    try {
      await route.handler(req, res, params, url);
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      } else if (err instanceof ConflictError) {
        status = 409;
        sendJson(res, 409, { error: { code: err.code, message: err.message } });
      } else {
        status = 500;
        throw err;
      }
    } finally {
      metrics.apiRequestsTotal.inc({ method: req.method ?? '?', route: route.name, status: String(status) });
    }
    return true;
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'bad_request', 'malformed percent-encoding in the path');
  }
}
