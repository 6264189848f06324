import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard (guard.ts) before any handler runs; null only on 404/405 answers. */
    principal: Principal | null;
  }
}

/** Who reads when anonymous read is on: `read` only, recorded as `anonymous`. */
export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', id: 'anonymous', name: 'anonymous', scope: 'read', actor: 'anonymous' });

export function decoratePrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}

/** The caller; throws (a 500) rather than act for nobody if a route somehow ran unguarded. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.routeOptions.url}: the guard did not run`);
  return request.principal;
}
