import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { staticCatalog } from '@driftwatch/core';
import { ROUTE_SCOPES } from '../../src/http/route-scopes.js';
import { configCatalog, createDefaultOperations } from '../../src/index.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { CONFIG, startHarness, type Harness } from './harness.js';
import { embeddedPorts } from '../../../../test/support/embedded.js';
import { DriftwatchConfig } from '@driftwatch/core';

/**
 * The document a running Driftwatch serves: generated from the real operations' schemas (catalog
 * entries with their transforms, key bodies, consent, incidents, silences, audit pages), not from
 * stand-ins. Every route of the scope table is there, and the document is valid OpenAPI 3.1.
 */
describe('OpenAPI document with the real operations', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('documents every route of the scope table and validates as OpenAPI 3.1', async () => {
    const ports = await embeddedPorts(CONFIG);
    const config = DriftwatchConfig.parse(CONFIG);
    const operations = createDefaultOperations({
      ...ports,
      catalog: configCatalog(config),
      now: () => new Date(),
      living: { reader: staticCatalog(config.servers), mode: () => 'api', allowPrivateNetwork: false },
    });
    h = await startHarness({ operations });
    try {
      const r = await h.call('GET', '/openapi.json', { headers: bearer(TOKENS.read) });
      expect(r.status).toBe(200);
      const validator = new Validator();
      const result = await validator.validate(r.body);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      const documented = Object.entries<Record<string, unknown>>(r.body.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => ['get', 'post', 'patch', 'delete', 'put'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(documented.sort()).toEqual(Object.keys(ROUTE_SCOPES).sort());
      // A request body the catalog validates is described, not left as "anything".
      expect(JSON.stringify(r.body.paths['/v1/servers'].post.requestBody)).toContain('transport');
    } finally {
      await ports.close();
    }
  });
});
