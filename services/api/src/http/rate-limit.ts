import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { HttpError } from '@driftwatch/runtime';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Per principal; an anonymous caller (who can only read, so never reaches here today) by address. */
function keyOf(request: FastifyRequest): string {
  const p = request.principal;
  return p && p.kind !== 'anonymous' ? `principal:${p.kind}:${p.id}` : `ip:${request.ip}`;
}

/**
 * Mutations are limited per principal (11,100 approvals in 23 s once pushed every quarantine out
 * of the audit view). It runs at preParsing: after the guard has named the principal (onRequest)
 * and before the body is read, so a throttled caller costs no parsing. Reads are not limited:
 * gateways poll the allowlist and dashboards poll status.
 *
 * The counts live in this process: with several API replicas each one enforces the limit on its own.
 */
export async function installMutationRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error(`api.mutationsPerMinute must be a positive integer (got ${perMinute})`);
  await app.register(rateLimit, {
    global: true,
    hook: 'preParsing',
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: keyOf,
    allowList: (request) => READS.has(request.method),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many changes: at most ${context.max} a minute per credential; retry in ${context.after}`),
  });
}
