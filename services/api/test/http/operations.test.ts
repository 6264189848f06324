import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError, defineOperation, type ApiOperations } from '../../src/index.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

const admin = bearer(TOKENS.admin);
const AddServer = z.object({ id: z.string().regex(/^[a-z]+$/), transport: z.enum(['stdio', 'http']) }).strict();

describe('injected operations', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('validates with the operation schemas, runs it for the principal, answers its status', async () => {
    const calls: unknown[] = [];
    const operations: ApiOperations = {
      addServer: defineOperation({
        body: AddServer,
        response: z.object({ id: z.string() }),
        async run({ body, principal }) {
          calls.push({ body, actor: principal.actor });
          return { id: body.id };
        },
      }),
      removeServer: defineOperation({ status: 204, async run() {} }),
    };
    h = await startHarness({ operations });
    const created = await h.call('POST', '/v1/servers', { headers: admin, body: '{"id":"docs","transport":"http"}' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'docs' });
    expect(calls).toEqual([{ body: { id: 'docs', transport: 'http' }, actor: 'key:admin-bot (k_admin-bot)' }]);

    const bad = await h.call('POST', '/v1/servers', { headers: admin, body: '{"id":"Docs!","transport":"ftp","command":"sh"}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^invalid body: id: .*; transport: .*; body: Unrecognized key: "command"$/);
    expect(calls).toHaveLength(1);

    const removed = await fetch(h.url('/v1/servers/mail'), { method: 'DELETE', headers: admin });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe('');
  });

  it('maps ConflictError to 409 and HttpError to its status', async () => {
    h = await startHarness({
      operations: {
        revokeKey: defineOperation({
          async run({ params }) {
            if (params.id === 'gone') throw new HttpError(404, 'not_found', 'no key "gone"');
            throw new ConflictError('already_revoked', 'key is revoked');
          },
        }),
      },
    });
    const conflict = await h.call('DELETE', '/v1/keys/k1', { headers: admin });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'already_revoked', message: 'key is revoked' } } });
    expect((await h.call('DELETE', '/v1/keys/gone', { headers: admin })).status).toBe(404);
  });

  it('does not register a route whose operation is missing', async () => {
    h = await startHarness();
    expect((await h.call('POST', '/v1/servers', { headers: admin, body: '{}' })).status).toBe(405);
    expect((await h.call('GET', '/v1/keys', { headers: admin })).status).toBe(404);
    expect((await h.call('POST', '/v1/servers/mail/tools/send/approve', { headers: admin, body: '{}' })).status).toBe(404);
  });

  it('serves an injected allowlist with an ETag and answers If-None-Match with 304', async () => {
    let version = 1;
    h = await startHarness({
      operations: { allowlist: { run: async () => ({ etag: `"v${version}"`, body: { servers: { mail: { status: 'ok' } }, version } }) } },
    });
    const first = await h.call('GET', '/v1/allowlist', { headers: bearer(TOKENS.read) });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"v1"');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.body).toEqual({ servers: { mail: { status: 'ok' } }, version: 1 });
    const same = await fetch(h.url('/v1/allowlist'), { headers: { ...bearer(TOKENS.read), 'if-none-match': 'W/"v0", "v1"' } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    version = 2;
    const changed = await fetch(h.url('/v1/allowlist'), { headers: { ...bearer(TOKENS.read), 'if-none-match': '"v1"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"v2"');
  });
});
