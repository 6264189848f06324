import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Principal } from '../auth/types.js';
import type { IdParams, KeyParams, NoParams, ServerParams, ToolParams } from './schemas.js';

/** What a domain operation receives: the validated request parts and the authenticated caller. */
export interface OperationInput<P, B, Q> {
  params: P;
  body: B;
  query: Q;
  principal: Principal;
}

/**
 * A domain operation written by another part of the API (catalog, keys, consent, audit), plugged
 * into a route this layer owns. The schemas validate the request (strictly: a 400 names the field)
 * and generate its OpenAPI entry; `run` is a plain async function, HTTP-free. Errors: throw
 * ConflictError (409) or HttpError(status, code, message). The route is registered only when the
 * operation is supplied.
 */
export interface Operation<P = Record<string, string>, B = unknown, Q = unknown, R = unknown> {
  /** The JSON body; omit for routes without one. */
  body?: z.ZodType<B>;
  /** The query string (values arrive as strings: use z.coerce for numbers). */
  query?: z.ZodType<Q>;
  /** The success answer, for OpenAPI. */
  response?: z.ZodType<R>;
  /** Success status; default 200 (201 for the creating POSTs). */
  status?: 200 | 201 | 202 | 204;
  summary?: string;
  // Method syntax on purpose: an Operation<ServerParams, AddBody> is then assignable here.
  run(input: OperationInput<P, B, Q>): Promise<R>;
}

/** GET /v1/allowlist with ETag: the HTTP layer answers `If-None-Match` with 304. */
export interface AllowlistOperation<R = unknown> {
  response?: z.ZodType<R>;
  run(input: { principal: Principal }): Promise<{ etag: string; body: R }>;
}

export interface EventStreamOptions {
  /** From the `Last-Event-ID` header: resume after this event. */
  lastEventId?: string;
  principal: Principal;
  /** Aborted when the client goes away or the API shuts down. */
  signal: AbortSignal;
}

/** Writes the whole SSE response (headers included); resolves when the stream is over. */
export type ServeEventStream = (req: IncomingMessage, res: ServerResponse, options: EventStreamOptions) => Promise<void>;

/** Every field optional: a route whose operation is missing is not registered (and not in OpenAPI). */
export interface ApiOperations {
  /** POST /v1/servers (admin) → 201 */
  addServer?: Operation<NoParams>;
  /** PATCH /v1/servers/{id} (admin) */
  updateServer?: Operation<ServerParams>;
  /** DELETE /v1/servers/{id} (admin) */
  removeServer?: Operation<ServerParams>;
  /** POST /v1/servers/{id}/reject (operate) */
  rejectServer?: Operation<ServerParams>;
  /** POST /v1/servers/{id}/tools/{name}/approve (operate) */
  approveTool?: Operation<ToolParams>;
  /** POST /v1/servers/{id}/tools/{name}/reject (operate) */
  rejectTool?: Operation<ToolParams>;
  /** GET /v1/keys (admin) */
  listKeys?: Operation<NoParams>;
  /** POST /v1/keys (admin) → 201 */
  createKey?: Operation<NoParams>;
  /** DELETE /v1/keys/{id} (admin) */
  revokeKey?: Operation<KeyParams>;
  /** GET /v1/incidents (read) */
  listIncidents?: Operation<NoParams>;
  /** GET /v1/incidents/{id} (read) */
  getIncident?: Operation<IdParams>;
  /** POST /v1/incidents/{id}/ack (operate) */
  ackIncident?: Operation<IdParams>;
  /** POST /v1/incidents/{id}/resolve (operate) */
  resolveIncident?: Operation<IdParams>;
  /** GET /v1/silences (read) */
  listSilences?: Operation<NoParams>;
  /** POST /v1/silences (operate) → 201 */
  createSilence?: Operation<NoParams>;
  /** DELETE /v1/silences/{id} (operate) */
  deleteSilence?: Operation<IdParams>;
  /** GET /v1/actions (read): replaces today's handler, e.g. with cursor pagination. */
  listActions?: Operation<NoParams>;
  /** GET /v1/allowlist (read): replaces today's handler, e.g. with per-tool fingerprints. */
  allowlist?: AllowlistOperation;
  /** GET /v1/events (read) */
  serveEventStream?: ServeEventStream;
}

/** Infers an operation's types from its schemas where it is defined. */
export function defineOperation<P, B = unknown, Q = unknown, R = unknown>(op: Operation<P, B, Q, R>): Operation<P, B, Q, R> {
  return op;
}
