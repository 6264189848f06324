import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { formatPath } from '@driftwatch/runtime';

/**
 * A zod request-validation failure that keeps the ZodError, so the 400 can name every field the
 * way the API always has: `invalid body: reason: reason is required`.
 */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  constructor(readonly zodError: z.ZodError) {
    super('request validation failed');
  }
}

/** Fastify's validation context → the word the messages use. */
const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

export function describeValidation(error: z.ZodError, context: string): string {
  const what = PART[context] ?? context;
  const reasons = error.issues.map((i) => `${formatPath(i.path) || what}: ${i.message}`).join('; ');
  return `invalid ${what}: ${reasons}`;
}

/**
 * Strict zod validation of params, query, body and headers. fastify-type-provider-zod's own
 * compiler flattens the issue path into a string; this one keeps the ZodError (same parse).
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const r = schema.safeParse(data);
    return r.success ? { value: r.data } : { error: new RequestValidationError(r.error) };
  };
