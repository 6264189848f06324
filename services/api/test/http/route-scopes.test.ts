import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { UnscopedRouteError } from '../../src/http/enforce-route-scopes.js';
import { ROUTE_SCOPES, requiredScope, routeKey } from '../../src/http/route-scopes.js';
import { embeddedPorts, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { fakeAuthenticator } from './fake-authenticator.js';
import { CONFIG } from './harness.js';

describe('route → scope table', () => {
  it('is the table of the contract: reads read, consent operate, catalog and keys admin', () => {
    expect(ROUTE_SCOPES).toEqual({
      'GET /v1/servers': 'read',
      'GET /v1/servers/{id}': 'read',
      'GET /v1/alerts': 'read',
      'GET /v1/actions': 'read',
      'GET /v1/allowlist': 'read',
      'GET /v1/events': 'read',
      'GET /openapi.json': 'read',
      'GET /v1/incidents': 'read',
      'GET /v1/incidents/{id}': 'read',
      'GET /v1/silences': 'read',
      'POST /v1/servers/{id}/approve': 'operate',
      'POST /v1/servers/{id}/reject': 'operate',
      'POST /v1/servers/{id}/release': 'operate',
      'POST /v1/servers/{id}/tools/{name}/approve': 'operate',
      'POST /v1/servers/{id}/tools/{name}/reject': 'operate',
      'POST /v1/incidents/{id}/ack': 'operate',
      'POST /v1/incidents/{id}/resolve': 'operate',
      'POST /v1/silences': 'operate',
      'DELETE /v1/silences/{id}': 'operate',
      'POST /v1/servers': 'admin',
      'PATCH /v1/servers/{id}': 'admin',
      'DELETE /v1/servers/{id}': 'admin',
      'GET /v1/keys': 'admin',
      'POST /v1/keys': 'admin',
      'DELETE /v1/keys/{id}': 'admin',
    });
  });

  it('never lets a mutation be a read (anonymous callers may read)', () => {
    for (const [key, scope] of Object.entries(ROUTE_SCOPES)) {
      if (!key.startsWith('GET ')) expect(scope, key).not.toBe('read');
    }
  });

  it('reads Fastify paths and OpenAPI paths alike, and knows nothing else', () => {
    expect(routeKey('post', '/v1/servers/:id/tools/:name/approve')).toBe('POST /v1/servers/{id}/tools/{name}/approve');
    expect(requiredScope('GET', '/v1/servers/:id')).toBe('read');
    expect(requiredScope('delete', '/v1/keys/{id}')).toBe('admin');
    expect(requiredScope('GET', '/v1/secrets')).toBeUndefined();
    expect(requiredScope('HEAD', '/v1/servers')).toBeUndefined();
    expect(requiredScope('GET', 'constructor')).toBeUndefined();
  });

  describe('a route outside the table', () => {
    let ports: EmbeddedPorts;
    afterEach(async () => ports.close());

    it('makes the app refuse to start', async () => {
      ports = await embeddedPorts(CONFIG);
      const { app } = await buildApp({ ...ports, authenticator: fakeAuthenticator(), anonymousRead: true }, new Set());
      let refused: unknown;
      try {
        app.get('/v1/debug', async () => ({ secret: true }));
        await app.ready();
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(UnscopedRouteError);
      expect(String(refused)).toContain('GET /v1/debug has no entry in the route → scope table');
      await app.close().catch(() => undefined);
    });

    it('is refused also when it is a second method on a known path', async () => {
      ports = await embeddedPorts(CONFIG);
      const { app } = await buildApp({ ...ports, authenticator: fakeAuthenticator(), anonymousRead: true }, new Set());
      expect(() => app.put('/v1/servers/:id', async () => ({}))).toThrow(UnscopedRouteError);
      await app.close().catch(() => undefined);
    });
  });
});
