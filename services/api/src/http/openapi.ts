import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { requiredScope } from './route-scopes.js';

type Doc = Record<string, unknown> & { paths?: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Each operation says the scope it needs (`x-required-scope` and its description), read from the
 * same route → scope table the guard enforces; reads that anonymous callers may make say so.
 */
export function annotateScopes(doc: Doc, anonymousRead: boolean): Doc {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      const scope = requiredScope(method, path);
      if (!scope) continue;
      op['x-required-scope'] = scope;
      const note = `Requires scope \`${scope}\`${scope === 'read' && anonymousRead ? ' (or none: anonymous read is on)' : ''}.`;
      op.description = op.description ? `${String(op.description)}\n\n${note}` : note;
      if (scope === 'read' && anonymousRead) op.security = [{ bearer: [] }, {}];
    }
  }
  return doc;
}

/**
 * OpenAPI 3.1 from the zod schemas the routes validate with (fastify-type-provider-zod turns them
 * into JSON Schema 2020-12); must be registered before the routes, whose onRoute it listens to.
 */
export async function installOpenApi(app: FastifyInstance, anonymousRead: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Driftwatch control plane',
        version: '1',
        description: 'Status, alerts, consent and the allowlist of the MCP servers Driftwatch watches.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`driftwatch keys create`) or an OIDC access token' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documents) => annotateScopes(jsonSchemaTransformObject(documents) as Doc, anonymousRead) as never,
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { summary: 'This document (OpenAPI 3.1)' } }, async () => app.swagger());
}
