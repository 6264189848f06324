import { z } from 'zod';
import { CatalogEntry, ProbeFailureCode, ServerId } from '@driftwatch/core';

/**
 * Request and response shapes of the catalog's routes, exported so that the HTTP layer validates
 * with them and generates OpenAPI from them (one source).
 */

/**
 * POST /v1/servers: a server entry, with the fields of a config-file entry. Credentials only by
 * reference (`${NAME}`, `${file:/run/secrets/NAME}`): a secret written in clear in a header, an
 * env value, an argument or the URL is refused with a 400 naming the field.
 */
export const AddServerBody = CatalogEntry;
export type AddServerBody = z.input<typeof CatalogEntry>;

const Name = z.string().min(1).max(256);
const Text = z.string().max(65536);
const Duration = z.union([z.number(), z.string().max(32)]);

/**
 * PATCH /v1/servers/{id}: a JSON Merge Patch (RFC 7396) of the server entry. A field given
 * replaces the stored one, `null` removes an optional field (or a header / variable), objects
 * (`headers`, `env`, `models`, `limits`) merge, arrays replace. `id` cannot change; a new
 * `transport` starts that transport's fields afresh. The result is validated as a whole.
 */
export const UpdateServerBody = z
  .object({
    owner: Name.nullable(),
    tier: z.string().min(1).max(64).nullable(),
    tags: z.array(z.string().min(1).max(64)).max(32),
    interval: Duration,
    timeout: Duration,
    approval: z.enum(['auto', 'required']),
    models: z
      .object({
        openai: z.string().max(4096).nullable(),
        ollama: z.string().max(4096).nullable(),
        pinned: z.array(z.object({ name: z.string().min(1), digest: z.string().optional() }).strict()).nullable(),
      })
      .partial()
      .strict()
      .nullable(),
    allowPrivateNetwork: z.boolean().nullable(),
    transport: z.enum(['stdio', 'http']),
    url: z.string().max(4096),
    headers: z.record(z.string().min(1).max(256), Text.nullable()),
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(256),
    env: z.record(z.string().min(1).max(256), Text.nullable()),
    cwd: z.string().max(4096).nullable(),
    sandbox: z.enum(['auto', 'bwrap', 'none']),
    network: z.boolean(),
    writableCwd: z.boolean(),
    limits: z.object({ memoryMb: z.number(), cpuSeconds: z.number(), processes: z.number() }).partial().strict().nullable(),
    keepConnected: z.boolean(),
    sessionMaxAge: Duration,
  })
  .partial()
  .strict();
export type UpdateServerBody = z.infer<typeof UpdateServerBody>;

/** DELETE /v1/servers/{id}: an optional reason, kept in the audit trail. */
export const RemoveServerBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();
export type RemoveServerBody = z.infer<typeof RemoveServerBody>;

/** A server as the API shows it (services/api/src/views.ts serverView): never headers, env or arguments. */
export const ServerView = z.object({
  id: ServerId,
  status: z.enum(['pending', 'ok', 'drifted', 'quarantined', 'unreachable']),
  transport: z.enum(['stdio', 'http']),
  url: z.string().optional(),
  owner: z.string().nullable(),
  tier: z.string().nullable(),
  tags: z.array(z.string()),
  approval: z.enum(['auto', 'required']),
  intervalSeconds: z.number(),
  lastPollAt: z.string().nullable(),
  baselineFingerprint: z.string().nullable(),
  snapshotFingerprint: z.string().nullable(),
  lastError: z.object({ code: ProbeFailureCode, reason: z.string(), at: z.string() }).nullable(),
  quarantine: z.object({ reason: z.string(), alertId: z.string().optional(), actor: z.string(), at: z.string() }).nullable(),
});
export type ServerView = z.infer<typeof ServerView>;

export const AddServerResponse = z.object({ server: ServerView, actionId: z.string() });
export const UpdateServerResponse = z.object({
  server: ServerView,
  /** Fields that changed (names only); empty when the patch changed nothing (then no action is recorded). */
  changed: z.array(z.string()),
  actionId: z.string().nullable(),
});
export const RemoveServerResponse = z.object({ serverId: ServerId, removed: z.literal(true), actionId: z.string() });
export const ServerListResponse = z.object({ servers: z.array(ServerView) });
