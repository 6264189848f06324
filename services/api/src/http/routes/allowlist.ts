import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deriveStatus } from '@driftwatch/core';
import { ErrorBody } from '../errors.js';
import type { AllowlistOperation } from '../operations.js';
import { principalOf } from '../principal.js';
import { Allowlist } from '../schemas.js';
import { answers, type RouteDeps } from './deps.js';

/** `If-None-Match: "a", W/"b"` or `*` against one ETag (weak comparison, RFC 9110 §13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => bare(t) === bare(etag));
}

/**
 * What gateways read: the servers an agent may talk to right now. An injected `allowlist`
 * operation (per-tool fingerprints) replaces today's list and gets ETag / 304 from here.
 */
export function registerAllowlistRoute(app: FastifyInstance, deps: RouteDeps, override?: AllowlistOperation): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  if (override) {
    r.get(
      '/v1/allowlist',
      { schema: { summary: 'What gateways may let agents use', response: { 200: override.response ?? z.unknown(), 304: z.undefined(), '4xx': ErrorBody, '5xx': ErrorBody } } },
      async (request, reply) => {
        const { etag, body } = await override.run({ principal: principalOf(request) });
        reply.header('etag', etag);
        // Cacheable, but only after asking: gateways revalidate with If-None-Match every poll.
        reply.header('cache-control', 'no-cache');
        if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
        return body;
      },
    );
    return;
  }
  r.get('/v1/allowlist', { schema: { summary: 'Servers agents may use now', response: answers(Allowlist) } }, async () => {
    const [servers, states] = await Promise.all([deps.catalog.list(), deps.store.listServerStates()]);
    const byId = new Map(states.map((s) => [s.serverId, s]));
    const allowed = servers.filter((s) => deriveStatus(byId.get(s.id)) === 'ok').map((s) => s.id);
    return { allowed, generatedAt: deps.now().toISOString() };
  });
}
