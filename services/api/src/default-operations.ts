import type { Logger } from 'pino';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { HttpError, type DriftwatchMetrics } from '@driftwatch/runtime';
import { ReasonBody } from './bodies.js';
import { ListActionsQuery, ListActionsResponse, listActions } from './actions/list-actions.js';
import { createAllowlistCache, getAllowlist } from './allowlist-operations.js';
import { CreateKeyBody, CreateKeyResponse, ListKeysResponse, RevokeKeyBody, RevokeKeyResponse, createKey, listKeys, revokeKey } from './auth/key-operations.js';
import type { ServerCatalog } from './http/catalog.js';
import { approveTool, reject, rejectTool } from './consent-operations.js';
import { AllowlistDocument, ServerRejectResult, ToolApproveResult, ToolDecisionBody, ToolRejectResult } from './consent-schemas.js';
import { EventStreamQuery, eventTypesOf } from './events/event-stream-query.js';
import { serveEventStream } from './events/serve-event-stream.js';
import { defineOperation, type ApiOperations } from './http/operations.js';
import { incidentOperations } from './incident-routes.js';
import { addServer, removeServer, updateServer } from './catalog-operations.js';
import { AddServerBody, AddServerResponse, RemoveServerBody, RemoveServerResponse, UpdateServerBody, UpdateServerResponse } from './catalog-schemas.js';
import type { CatalogReader } from '@driftwatch/core';
import type { KeyParams, NoParams, ServerParams, ToolParams } from './http/schemas.js';

export interface DefaultOperationsDeps {
  bus: BusPort;
  store: StatePort;
  catalog: ServerCatalog;
  logger: Logger;
  metrics: DriftwatchMetrics;
  now: () => Date;
  /** The living catalog: without it, the catalog routes (POST/PATCH/DELETE /v1/servers) are absent. */
  living?: { reader: CatalogReader; mode: () => 'file' | 'api'; allowPrivateNetwork: boolean };
}

/**
 * The control plane's domain operations (keys, per-tool consent, allowlist, audit pages, live
 * events) plugged into the routes the HTTP layer owns. Every server-scoped operation checks the
 * catalog first, so an unknown id is a 404 before anything is read or written.
 */
export function createDefaultOperations(deps: DefaultOperationsDeps): ApiOperations {
  const { store, bus, logger, metrics, now, catalog } = deps;
  const control = { bus, store, now };
  const keyDeps = { store, bus, now, logger: logger.child({ component: 'keys' }) };
  const allowlistCache = createAllowlistCache();

  async function known(id: string): Promise<string> {
    if (!(await catalog.get(id))) throw new HttpError(404, 'not_found', `no server with id "${id}"`);
    return id;
  }

  const living = deps.living;
  const catalogDeps = living ? { bus, store, now, catalog: living.reader, mode: living.mode, allowPrivateNetwork: living.allowPrivateNetwork, logger: logger.child({ component: 'catalog' }) } : undefined;
  const catalogOps: ApiOperations = catalogDeps
    ? {
        addServer: defineOperation({
          body: AddServerBody,
          response: AddServerResponse,
          status: 201,
          summary: 'Add a server to the catalog (credentials as ${VAR} or ${file:…} references only); polled within one interval',
          // The raw body: addServer validates it itself (references, literal secrets, address policy).
          run: ({ body, principal }: { params: NoParams; body: unknown; principal: { actor: string } }) => addServer(catalogDeps, body, principal.actor),
        }),
        updateServer: defineOperation({
          body: UpdateServerBody,
          response: UpdateServerResponse,
          summary: 'Change a server in the catalog (JSON merge patch)',
          run: ({ params, body, principal }: { params: ServerParams; body: unknown; principal: { actor: string } }) => updateServer(catalogDeps, params.id, body, principal.actor),
        }),
        removeServer: defineOperation({
          // Fastify hands a DELETE without a body over as null.
          body: RemoveServerBody.nullish(),
          response: RemoveServerResponse,
          summary: 'Remove a server from the catalog; it stops being polled',
          run: ({ params, body, principal }: { params: ServerParams; body: RemoveServerBody | null | undefined; principal: { actor: string } }) =>
            removeServer(catalogDeps, params.id, principal.actor, body?.reason),
        }),
      }
    : {};

  return {
    ...catalogOps,
    ...incidentOperations({ store, bus, now }),
    approveTool: defineOperation({
      body: ToolDecisionBody,
      response: ToolApproveResult,
      summary: "Approve one tool's current version into the baseline",
      async run({ params, body, principal }: { params: ToolParams; body: ToolDecisionBody; principal: { actor: string } }) {
        const id = await known(params.id);
        const result = await approveTool(control, id, params.name, principal.actor, body.reason, body.fingerprint ? { fingerprint: body.fingerprint } : {});
        metrics.actionsTotal.inc({ action: 'tool.approve' });
        return result;
      },
    }),
    rejectTool: defineOperation({
      body: ToolDecisionBody,
      response: ToolRejectResult,
      summary: "Reject one tool's current version: it stays blocked on the allowlist",
      async run({ params, body, principal }: { params: ToolParams; body: ToolDecisionBody; principal: { actor: string } }) {
        const id = await known(params.id);
        const result = await rejectTool(control, id, params.name, principal.actor, body.reason, body.fingerprint ? { fingerprint: body.fingerprint } : {});
        metrics.actionsTotal.inc({ action: 'tool.reject' });
        return result;
      },
    }),
    rejectServer: defineOperation({
      body: ReasonBody,
      response: ServerRejectResult,
      summary: "Reject a server's pending change: its changed tools are rejected and it is quarantined",
      async run({ params, body, principal }: { params: ServerParams; body: { reason: string }; principal: { actor: string } }) {
        const id = await known(params.id);
        const result = await reject(control, id, principal.actor, body.reason);
        metrics.actionsTotal.inc({ action: 'reject' });
        metrics.quarantinedServers.set(await store.countQuarantined());
        return result;
      },
    }),
    listKeys: defineOperation({
      response: ListKeysResponse,
      summary: 'API keys (never their secrets or hashes)',
      run: (_input: { params: NoParams }) => listKeys(keyDeps),
    }),
    createKey: defineOperation({
      body: CreateKeyBody,
      response: CreateKeyResponse,
      status: 201,
      summary: 'Issue an API key; the token is in this answer only',
      run: ({ body, principal }: { params: NoParams; body: CreateKeyBody; principal: { actor: string } }) => createKey(keyDeps, body, principal.actor),
    }),
    revokeKey: defineOperation({
      // Fastify hands a DELETE without a body over as null.
      body: RevokeKeyBody.nullish(),
      response: RevokeKeyResponse,
      summary: 'Revoke an API key: refused from the next request on',
      run: ({ params, body, principal }: { params: KeyParams; body: RevokeKeyBody | null | undefined; principal: { actor: string } }) =>
        revokeKey(keyDeps, params.id, principal.actor, body?.reason),
    }),
    listActions: defineOperation({
      query: ListActionsQuery,
      response: ListActionsResponse,
      summary: 'The audit trail, newest first, in pages (nextCursor)',
      run: ({ query }: { params: NoParams; query: ListActionsQuery }) => listActions({ store }, query),
    }),
    allowlist: {
      response: AllowlistDocument,
      async run() {
        const ids = (await catalog.list()).map((s) => s.id);
        const result = await getAllowlist({ store, now, cache: allowlistCache }, ids);
        // Without If-None-Match the operation always answers in full; the HTTP layer does the 304.
        if (result.status !== 200) throw new Error('allowlist answered 304 without If-None-Match');
        return { etag: result.etag, body: result.body };
      },
    },
    serveEventStream: async (req, res, { lastEventId, signal }) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = EventStreamQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: { code: 'bad_request', message: `invalid query: ${query.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ')}` } }));
        return;
      }
      const resumeFrom = lastEventId ?? query.data.lastEventId;
      await serveEventStream(req, res, {
        store,
        signal,
        logger: logger.child({ component: 'events' }),
        ...(resumeFrom !== undefined ? { lastEventId: resumeFrom } : {}),
        types: eventTypesOf(query.data.types),
      });
    },
  };
}
