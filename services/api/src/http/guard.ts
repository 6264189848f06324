import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { AuthError, scopeAllows, type Authenticator, type Scope } from '../auth/types.js';
import { sendError } from './errors.js';
import type { HostCheck } from './hosts.js';
import { ANONYMOUS } from './principal.js';
import { requiredScope } from './route-scopes.js';

export interface GuardOptions {
  authenticator: Authenticator;
  /** The resolved decision (see anonymous-read.ts): anonymous callers may use `read` routes. */
  anonymousRead: boolean;
  hostAllowed: HostCheck;
  logger: Logger;
}

const REALM = 'Bearer realm="driftwatch"';

function unauthorized(reply: FastifyReply, code: string, message: string, invalidToken: boolean): FastifyReply {
  // RFC 6750 §3: say which scheme to use, and whether the token itself was the problem.
  reply.header('www-authenticate', invalidToken ? `${REALM}, error="invalid_token"` : REALM);
  return sendError(reply, 401, code, message);
}

function forbidden(reply: FastifyReply, need: Scope, have: Scope): FastifyReply {
  reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${need}"`);
  return sendError(reply, 403, 'insufficient_scope', `this route needs scope "${need}"; the credential has "${have}"`);
}

/**
 * The one gate in front of every route, run first (onRequest: before the body is read, so an
 * unauthenticated caller cannot make us parse anything): Host allowlist → authenticate →
 * anonymous read → scope from the route table. Handlers find the caller on `request.principal`.
 */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const { authenticator, anonymousRead, hostAllowed, logger } = options;

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host)) {
      return sendError(reply, 403, 'host_not_allowed', 'this API does not answer for the Host this request names; add it to api.allowedHosts');
    }
    const url = request.routeOptions.url;
    // 404 and 405 answers reveal nothing a caller needs a credential for.
    if (request.is404 || url === undefined) return;
    const need = requiredScope(request.method, url);
    // Unreachable: enforce-route-scopes.ts refuses to start with a route outside the table.
    if (need === undefined) throw new Error(`${request.method} ${url} has no entry in the route → scope table`);

    let principal;
    try {
      principal = await authenticator.authenticate(request.headers.authorization);
    } catch (err) {
      if (err instanceof AuthError) return unauthorized(reply, err.code, err.message, true);
      // A JWKS endpoint or the key store being down is not the caller's fault, and not a "no".
      logger.error({ err }, 'authenticator failed');
      return sendError(reply, 503, 'auth_unavailable', 'credentials cannot be checked right now; retry later');
    }
    if (!principal) {
      if (need !== 'read' || !anonymousRead) {
        return unauthorized(reply, 'missing_credential', 'this route needs a credential: Authorization: Bearer <API key or token>', false);
      }
      principal = ANONYMOUS;
    }
    if (!scopeAllows(principal.scope, need)) return forbidden(reply, need, principal.scope);
    request.principal = principal;
  });
}
