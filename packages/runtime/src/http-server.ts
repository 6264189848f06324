import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { HttpError, sendError, sendJson } from './http-json.js';
import type { DriftwatchMetrics } from './metrics.js';

export interface HttpServerHandle {
  port: number;
  close(): Promise<void>;
}

/** Returns true when it handled (answered) the request; false lets the server answer 404. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export interface StartHttpServerOptions {
  /** 0 picks a free port (see the handle's `port`). */
  port: number;
  /** Default '0.0.0.0': probes and scrapers come from outside the pod. */
  host?: string;
  logger: Logger;
  metrics: DriftwatchMetrics;
  isReady: () => boolean | Promise<boolean>;
  handler?: RouteHandler;
  /** Whole request (headers + body) deadline; default 30 s. */
  requestTimeoutMs?: number;
  /** Headers deadline, the slowloris guard; default 10 s. */
  headersTimeoutMs?: number;
  /** How long close() lets in-flight requests finish before cutting them; default 5 s. */
  closeGraceMs?: number;
}

/** How long a readiness check may take before the probe is answered "not ready". */
const READY_CHECK_TIMEOUT_MS = 2_000;

/**
 * The HTTP surface every service has: /metrics, /healthz, /readyz, plus an optional handler (the
 * api service's routes). Errors become JSON without stacks; HttpError keeps its status and code.
 */
export async function startHttpServer(options: StartHttpServerOptions): Promise<HttpServerHandle> {
  const { logger, metrics, isReady, handler } = options;
  const host = options.host ?? '0.0.0.0';

  const server = createServer({
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    keepAliveTimeout: 5_000,
    // Node checks the two timeouts above only this often (default 30 s), which would make them lax.
    connectionsCheckingInterval: 1_000,
    // Bounded header size (Node's default is 16 KiB) — set explicitly so it is visible.
    maxHeaderSize: 16 * 1024,
  });

  let draining = false;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // During close(), answer in-flight requests and then drop their keep-alive sockets at once
    // instead of waiting for the grace timer.
    res.once('finish', () => {
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    void route(req, res).catch((err: unknown) => fail(req, res, err));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    if (path === '/metrics' || path === '/healthz' || path === '/readyz') {
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        sendError(res, 405, 'method_not_allowed', `${method} is not allowed on ${path}`);
        return;
      }
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const ready = await readiness(isReady, logger);
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' });
      }
      const text = await metrics.registry.metrics();
      res.statusCode = 200;
      res.setHeader('content-type', metrics.registry.contentType);
      res.setHeader('cache-control', 'no-store');
      res.end(text);
      return;
    }
    if (handler && (await handler(req, res))) return;
    if (!res.headersSent) sendError(res, 404, 'not_found', `no route for ${method} ${path}`);
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof HttpError) {
      if (err.status >= 500) logger.error({ err, method: req.method, path: pathOf(req.url) }, 'request failed');
      else logger.debug({ status: err.status, code: err.code, method: req.method, path: pathOf(req.url) }, 'request rejected');
    } else {
      logger.error({ err, method: req.method, path: pathOf(req.url) }, 'request handler threw');
    }
    if (res.headersSent) {
      // Half a response is worse than none: cut the connection so the client sees the failure.
      res.destroy();
      return;
    }
    // The body may be partly unread (e.g. 413): don't let the connection be reused.
    res.setHeader('connection', 'close');
    if (err instanceof HttpError) sendError(res, err.status, err.code, err.message);
    else sendError(res, 500, 'internal', 'internal error');
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'http server error'));
  const port = (server.address() as AddressInfo).port;
  logger.info({ host, port }, 'http server listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      const grace = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5_000);
      grace.unref();
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      // Idle keep-alive sockets would otherwise hold close() open until they time out.
      server.closeIdleConnections();
    });
    return closing;
  };
  return { port, close };
}

async function readiness(isReady: () => boolean | Promise<boolean>, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_CHECK_TIMEOUT_MS);
    });
    return (await Promise.race([Promise.resolve().then(isReady), timeout])) === true;
  } catch (err) {
    logger.warn({ err }, 'readiness check threw');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.search(/[?#]/);
  return q === -1 ? raw : raw.slice(0, q);
}
