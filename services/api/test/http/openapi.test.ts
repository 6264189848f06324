import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { ROUTE_SCOPES, requiredScope } from '../../src/http/route-scopes.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { fakeOperations } from './fake-operations.js';
import { startHarness, type Harness } from './harness.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

async function documentOf(h: Harness): Promise<any> {
  const r = await h.call('GET', '/openapi.json', { headers: bearer(TOKENS.read) });
  expect(r.status).toBe(200);
  return r.body;
}

async function expectValid(doc: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(doc as Parameters<Validator['validate']>[0]);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
}

describe.each([
  ['every operation supplied', true],
  ['no operation supplied', false],
])('OpenAPI document, %s', (_name, withOperations) => {
  let h: Harness;
  afterEach(async () => h.close());

  it('is valid OpenAPI 3.1 and lists exactly the registered routes, each with its scope', async () => {
    h = await startHarness(withOperations ? { operations: fakeOperations().operations } : {});
    const doc = await documentOf(h);
    expect(doc.openapi).toBe('3.1.0');
    await expectValid(doc);

    const documented: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
        const key = `${method.toUpperCase()} ${path}`;
        documented.push(key);
        expect(Object.keys(ROUTE_SCOPES), key).toContain(key);
        expect(item[method]['x-required-scope'], key).toBe(requiredScope(method, path));
        expect(item[method].description, key).toContain(`Requires scope \`${requiredScope(method, path)}\``);
      }
    }
    const registered = h.api.routes().map((r) => `${r.method} ${r.route}`);
    expect(documented.sort()).toEqual(registered.sort());
  });

  it('declares bearer authentication', async () => {
    h = await startHarness(withOperations ? { operations: fakeOperations().operations } : {});
    const doc = await documentOf(h);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});

describe('OpenAPI document content', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('comes from the zod schemas the routes validate with', async () => {
    h = await startHarness();
    const doc = await documentOf(h);
    const approve = doc.paths['/v1/servers/{id}/approve'].post;
    const body = approve.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({ type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } });
    expect(approve.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
    const alerts = doc.paths['/v1/alerts'].get.parameters.map((p: any) => p.name).sort();
    expect(alerts).toEqual(['limit', 'serverId', 'severity', 'status']);
    expect(doc.paths['/v1/servers'].get.responses['200'].content['application/json'].schema).toBeDefined();
  });

  it('marks reads as open to anonymous callers only when anonymous read is on', async () => {
    h = await startHarness({ anonymousRead: true });
    const doc = await documentOf(h);
    expect(doc.paths['/v1/servers'].get.security).toEqual([{ bearer: [] }, {}]);
    expect(doc.paths['/v1/servers/{id}/release'].post.security).toBeUndefined();
    await expectValid(doc);
  });
});
