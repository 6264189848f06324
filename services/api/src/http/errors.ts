import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LIMITS } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError } from '../control.js';
import { describeValidation, RequestValidationError } from './validation.js';
import { pathOf, type RouteIndex } from './route-index.js';

/** Longest path parameter the router matches (Fastify's default is 100). */
export const MAX_PARAM_LENGTH = 256;

/** The one error shape every API answer has had: `{ error: { code, message } }`. */
export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ id: 'Error' });

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  // The body may be partly unread (413, 415, a refused mutation): don't reuse the connection.
  if (!reply.request.raw.complete) reply.header('connection', 'close');
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

interface Mapped {
  status: number;
  code: string;
  message: string;
}

/** Fastify's own client errors, in the API's words. */
function fromFastify(err: FastifyError): Mapped | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'request body must be application/json' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: `request body exceeds ${LIMITS.maxApiBodyBytes} bytes` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'bad_request', message: 'request body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'bad_request', message: 'request body is not valid JSON' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'bad_request', message: 'malformed percent-encoding in the path' };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'bad_request', message: err.message };
  return undefined;
}

function map(err: unknown): Mapped | undefined {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof ConflictError) return { status: 409, code: err.code, message: err.message };
  if (err instanceof RequestValidationError) {
    const context = (err as RequestValidationError & { validationContext?: string }).validationContext ?? 'body';
    return { status: 400, code: 'bad_request', message: describeValidation(err.zodError, context) };
  }
  if (err instanceof Error && typeof (err as FastifyError).code === 'string' && (err as FastifyError).code.startsWith('FST_')) {
    return fromFastify(err as FastifyError);
  }
  return undefined;
}

/**
 * Errors Fastify meets while routing, before any hook runs (Fastify's own answer would echo the
 * path in another shape). Passed as the `frameworkErrors` option.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendError(reply, 414, 'uri_too_long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
    return;
  }
  const mapped = fromFastify(err) ?? { status: 400, code: 'bad_request', message: 'bad request' };
  void sendError(reply, mapped.status, mapped.code, mapped.message);
}

/**
 * Errors become `{error:{code,message}}` without stacks; unknown paths are 404 and known paths
 * with another method 405 with `Allow`, as the hand-written router answered.
 */
export function installErrorHandling(app: FastifyInstance, routes: RouteIndex, logger: Logger): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = map(err);
    if (mapped) {
      if (mapped.status >= 500) logger.error({ err, method: request.method, route: request.routeOptions.url }, 'request failed');
      return sendError(reply, mapped.status, mapped.code, mapped.message);
    }
    logger.error({ err, method: request.method, route: request.routeOptions.url }, 'request handler threw');
    return sendError(reply, 500, 'internal', 'internal error');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const known = routes.match(path);
    if (known) {
      reply.header('allow', known.methods.join(', '));
      return sendError(reply, 405, 'method_not_allowed', `${request.method} is not allowed on ${path}`);
    }
    return sendError(reply, 404, 'not_found', `no route for ${request.method} ${path}`);
  });
}
