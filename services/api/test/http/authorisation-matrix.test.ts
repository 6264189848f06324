import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeAllows, type Scope } from '../../src/auth/types.js';
import { ROUTE_SCOPES, requiredScope } from '../../src/http/route-scopes.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { fakeOperations } from './fake-operations.js';
import { startHarness, type Harness } from './harness.js';

type Caller = { name: string; headers: Record<string, string>; anonymous?: true; refused?: string; scope?: Scope };

const CALLERS: Caller[] = [
  { name: 'no credential', headers: {}, anonymous: true },
  { name: 'expired key', headers: bearer(TOKENS.expired), refused: 'expired_credential' },
  { name: 'revoked key', headers: bearer(TOKENS.revoked), refused: 'revoked_credential' },
  { name: 'unknown key', headers: bearer(TOKENS.garbage), refused: 'invalid_credential' },
  { name: 'read key', headers: bearer(TOKENS.read), scope: 'read' },
  { name: 'operate key', headers: bearer(TOKENS.operate), scope: 'operate' },
  { name: 'admin key', headers: bearer(TOKENS.admin), scope: 'admin' },
];

/** A concrete request for a route pattern: ids of a configured server and tool, a valid reason. */
function requestFor(method: string, route: string) {
  const path = route.replace('{id}', 'mail').replace('{name}', 'send');
  return { path, ...(method === 'POST' || method === 'PATCH' ? { body: '{"reason":"matrix"}' } : {}) };
}

/** What the guard must answer: a 401/403 code, or undefined when the request must get past it. */
function expected(caller: Caller, scope: Scope, anonymousRead: boolean): { status: 401 | 403; code: string } | undefined {
  if (caller.refused) return { status: 401, code: caller.refused };
  if (caller.anonymous) return scope === 'read' && anonymousRead ? undefined : { status: 401, code: 'missing_credential' };
  return scopeAllows(caller.scope!, scope) ? undefined : { status: 403, code: 'insufficient_scope' };
}

describe.each([false, true])('authorisation matrix, anonymous read %s', (anonymousRead) => {
  let h: Harness;
  let ran: string[];

  beforeAll(async () => {
    const fake = fakeOperations();
    ran = fake.ran;
    h = await startHarness({ anonymousRead, operations: fake.operations });
  });
  afterAll(async () => h.close());

  it('registers exactly the routes of the table when every operation is supplied', () => {
    // The list comes from the app's onRoute hook, not from this file.
    const registered = h.api.routes().map((r) => `${r.method} ${r.route}`).sort();
    expect(registered).toEqual(Object.keys(ROUTE_SCOPES).sort());
    for (const key of registered) {
      const [method, route] = key.split(' ') as [string, string];
      expect(h.api.app.hasRoute({ method: method as 'GET', url: route.replace(/\{(\w+)\}/g, ':$1') }), key).toBe(true);
    }
  });

  it('answers every route for every caller as the table says', async () => {
    const routes = h.api.routes();
    expect(routes.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const { method, route } of routes) {
      const scope = requiredScope(method, route)!;
      for (const caller of CALLERS) {
        const { path, body } = requestFor(method, route);
        const before = ran.length;
        const r = await h.call(method, path, { headers: caller.headers, ...(body ? { body } : {}) });
        const want = expected(caller, scope, anonymousRead);
        const where = `${method} ${route} as ${caller.name} → ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;
        if (want) {
          if (r.status !== want.status || r.body?.error?.code !== want.code) failures.push(`${where}; wanted ${want.status} ${want.code}`);
          if (want.status === 401 && !r.headers.get('www-authenticate')?.startsWith('Bearer')) failures.push(`${where}; no WWW-Authenticate`);
          if (want.status === 403 && !String(r.body?.error?.message).includes(`"${scope}"`)) failures.push(`${where}; 403 does not name the scope`);
          if (ran.length !== before) failures.push(`${where}; the operation ran`);
        } else if (r.status === 401 || r.status === 403 || r.status >= 500) {
          failures.push(`${where}; wanted past the guard`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('passes the principal to the operation, so the audit names the caller', async () => {
    const r = await h.call('POST', '/v1/servers/mail/tools/send/reject', { headers: bearer(TOKENS.operate), body: '{"reason":"no"}' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ op: 'rejectTool', actor: 'key:operate-bot (k_operate-bot)' });
  });
});
