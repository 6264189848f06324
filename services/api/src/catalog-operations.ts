import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  CatalogEntry,
  changedFields,
  credentialFields,
  endpointHostProblem,
  isCredentialPath,
  isResolvable,
  LIMITS,
  literalSecretProblems,
  scanReferences,
  type CatalogReader,
  type ServerConfig,
} from '@driftwatch/core';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { auditCatalogChange, publishEntry, publishRemoval } from '@driftwatch/catalog';
import { formatPath, HttpError } from '@driftwatch/runtime';
import { AddServerBody, RemoveServerBody, UpdateServerBody, type ServerView } from './catalog-schemas.js';
import { ConflictError } from './control.js';
import { serverView } from './views.js';

export interface CatalogOpsDeps {
  bus: BusPort;
  store: StatePort;
  now: () => Date;
  /** This process's live view of the catalog (reads). */
  catalog: CatalogReader;
  /** `file`: the config file is the truth and the catalog API is read-only (409); `api`: it may change. */
  mode: () => 'file' | 'api';
  /** The config's top-level `allowPrivateNetwork`: the default of entries that do not set it. */
  allowPrivateNetwork: boolean;
  logger?: Logger;
}

/** Fields a server keeps when its transport changes; the rest belong to the old transport. */
const COMMON_FIELDS = ['id', 'owner', 'tier', 'interval', 'timeout', 'approval', 'tags', 'models', 'allowPrivateNetwork'];

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${formatPath(i.path) || 'body'}: ${i.message}`).join('; ');
}

function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, 'bad_request', `invalid ${what}: ${describe(r.error)}`);
  return r.data;
}

function writable(deps: CatalogOpsDeps): void {
  if (deps.mode() === 'file') {
    throw new ConflictError(
      'catalog_read_only',
      'the catalog is managed by the config file (catalog: file): change the file (it is reloaded on change and on SIGHUP), or set catalog: api',
    );
  }
}

/** String leaves of an entry with their paths (inside the entry). */
function strings(value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

const key = (path: ReadonlyArray<string | number>) => formatPath(path);

/**
 * What the API refuses in an entry (only in the fields `changed` lists, when given: an entry the
 * config file seeded may hold literals the file was allowed to): a reference outside the
 * credential fields (it would never be resolved), a credential written in clear, an endpoint
 * the address policy refuses. 400 with the field's path; never the value.
 */
function checkEntry(deps: CatalogOpsDeps, entry: CatalogEntry, changed?: (path: ReadonlyArray<string | number>) => boolean): void {
  const judged = (path: ReadonlyArray<string | number>) => !changed || changed(path);
  for (const { path, text } of strings(entry)) {
    if (!judged(path)) continue;
    const refs = scanReferences(text);
    if (isCredentialPath(path)) {
      // A pointer into the config file would let an entry read another server's credential there.
      if (refs.some((r) => r.token.kind === 'config')) {
        throw new HttpError(400, 'reference_not_allowed', `${key(path)}: \${config:...} is written by the config file sync only; use \${NAME} or \${file:/path}`);
      }
      continue;
    }
    if (refs.some((r) => isResolvable(r.token))) {
      throw new HttpError(400, 'reference_not_allowed', `${key(path)}: references (\${...}) are resolved only in header values, env values, arguments and URLs`);
    }
  }
  const literal = literalSecretProblems(entry).filter((p) => judged(p.path));
  if (literal.length > 0) {
    throw new HttpError(400, 'literal_secret', literal.map((p) => `${key(p.path)}: ${p.message}`).join('; '));
  }
  const allow = entry.allowPrivateNetwork ?? deps.allowPrivateNetwork;
  const urls: Array<[Array<string | number>, string | undefined]> = [
    [['url'], entry.transport === 'http' ? entry.url : undefined],
    [['models', 'openai'], entry.models?.openai],
    [['models', 'ollama'], entry.models?.ollama],
  ];
  for (const [path, url] of urls) {
    const problem = url === undefined || !(judged(path) || judged(['allowPrivateNetwork'])) ? undefined : endpointHostProblem(url, allow);
    if (problem) throw new HttpError(400, 'blocked_address', `${key(path)}: ${problem}`);
  }
}

async function viewOf(deps: CatalogOpsDeps, server: ServerConfig): Promise<ServerView> {
  return serverView(server, await deps.store.getServerState(server.id));
}

/**
 * POST /v1/servers (admin). Adds a server to the living catalog: stored, announced on
 * `mcp.catalog.v1` (every poller, differ and responder applies it within one poll interval) and
 * audited as `server.add` by `actor`. 409 `catalog_read_only` in `catalog: file`, 409
 * `server_exists` for a taken id, 409 `catalog_full` past LIMITS.maxServers, 400 for an invalid
 * entry or a credential in clear.
 */
export async function addServer(deps: CatalogOpsDeps, body: unknown, actor: string): Promise<{ server: ServerView; actionId: string }> {
  writable(deps);
  const entry = parseOr400(AddServerBody, body, 'server entry');
  checkEntry(deps, entry);
  // The same bound as the config file's: the scheduler and every view hold the whole catalog.
  if ((await deps.store.listCatalog()).length >= LIMITS.maxServers) {
    throw new ConflictError('catalog_full', `the catalog holds ${LIMITS.maxServers} servers, the most Driftwatch watches`);
  }
  if (!(await publishEntry(deps, entry, { onlyIfAbsent: true }))) {
    throw new ConflictError('server_exists', `server "${entry.id}" is already in the catalog`);
  }
  const actionId = await auditCatalogChange(deps, {
    action: 'server.add',
    serverId: entry.id,
    actor,
    reason: 'server added to the catalog',
    details: { transport: entry.transport, intervalSeconds: entry.interval, approval: entry.approval },
  });
  deps.logger?.info({ serverId: entry.id, actor, actionId }, 'server added to the catalog');
  return { server: await viewOf(deps, entry), actionId };
}

/** RFC 7396: objects merge, null removes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * PATCH /v1/servers/{id} (admin): a JSON Merge Patch of the entry (see UpdateServerBody) —
 * owner, tier, tags, transport details, interval, approval, expected models, credential
 * references. Audited as `server.update` with the names of the changed fields (never values).
 * A patch that changes nothing writes nothing and records no action. 404 for an unknown id.
 */
export async function updateServer(
  deps: CatalogOpsDeps,
  id: string,
  patch: unknown,
  actor: string,
): Promise<{ server: ServerView; changed: string[]; actionId: string | null }> {
  writable(deps);
  const p = parseOr400(UpdateServerBody, patch, 'patch');
  const current = await deps.store.getCatalogEntry(id);
  if (!current) throw new HttpError(404, 'not_found', `no server with id "${id}"`);
  let base: Record<string, unknown> = { ...current };
  if (p.transport !== undefined && p.transport !== current.transport) {
    base = Object.fromEntries(Object.entries(current).filter(([k]) => COMMON_FIELDS.includes(k)));
  }
  const next = parseOr400(CatalogEntry, mergePatch(base, p), 'server entry after the patch');
  const changed = changedFields(current, next);
  if (changed.length === 0) return { server: await viewOf(deps, current), changed, actionId: null };

  const before = new Map<string, string>(credentialFields(current).map((f) => [key(f.path), f.value]));
  const top = new Set(changed.map((f) => f.split('.')[0]));
  checkEntry(deps, next, (path) => {
    if (isCredentialPath(path)) return before.get(key(path)) !== credentialFields(next).find((f) => key(f.path) === key(path))?.value;
    return top.has(String(path[0]));
  });
  await publishEntry(deps, next);
  const actionId = await auditCatalogChange(deps, { action: 'server.update', serverId: id, actor, reason: 'server definition changed', details: { fields: changed } });
  deps.logger?.info({ serverId: id, actor, fields: changed, actionId }, 'server changed in the catalog');
  return { server: await viewOf(deps, next), changed, actionId };
}

/**
 * DELETE /v1/servers/{id} (admin): removes a server from the living catalog (a tombstone on
 * `mcp.catalog.v1`: pollers stop polling it and discard a poll in flight). Its history — state,
 * alerts, audit — stays. Audited as `server.remove` with the reason. 404 for an unknown id.
 */
export async function removeServer(
  deps: CatalogOpsDeps,
  id: string,
  actor: string,
  reason?: string,
): Promise<{ serverId: string; removed: true; actionId: string }> {
  writable(deps);
  const why = reason === undefined ? undefined : parseOr400(RemoveServerBody, { reason }, 'body').reason;
  if (!(await deps.store.getCatalogEntry(id)) || !(await publishRemoval(deps, id))) {
    throw new HttpError(404, 'not_found', `no server with id "${id}"`);
  }
  const actionId = await auditCatalogChange(deps, { action: 'server.remove', serverId: id, actor, reason: why ?? 'server removed from the catalog' });
  deps.logger?.info({ serverId: id, actor, actionId }, 'server removed from the catalog');
  return { serverId: id, removed: true, actionId };
}

/** GET /v1/servers: every server of the live catalog with its status. */
export async function listServers(deps: Pick<CatalogOpsDeps, 'store' | 'catalog'>): Promise<{ servers: ServerView[] }> {
  const states = new Map((await deps.store.listServerStates()).map((s) => [s.serverId, s]));
  return { servers: deps.catalog.list().map((s) => serverView(s, states.get(s.id) ?? null)) };
}

/** The live catalog's entry for `id`, or a 404: what the per-server routes start from. */
export function findServer(deps: Pick<CatalogOpsDeps, 'catalog'>, id: string): CatalogEntry {
  const server = deps.catalog.get(id);
  if (!server) throw new HttpError(404, 'not_found', `no server with id "${id}"`);
  return server;
}
