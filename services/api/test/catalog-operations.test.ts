import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPICS, type Action } from '@driftwatch/core';
import { createCatalogView, type CatalogView } from '@driftwatch/catalog';
import { HttpError } from '@driftwatch/runtime';
import { addServer, ConflictError, findServer, listServers, removeServer, updateServer, type CatalogOpsDeps } from '../src/index.js';
import { embeddedPorts, eventually, record, type EmbeddedPorts } from '../../../test/support/embedded.js';

const HTTP = { id: 'search', transport: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}' }, owner: 'search-team', tier: 'prod', interval: '5m' };

async function rejection(p: Promise<unknown>): Promise<HttpError | ConflictError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpError || err instanceof ConflictError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('catalog operations', () => {
  let ports: EmbeddedPorts;
  let view: CatalogView;
  let deps: CatalogOpsDeps;
  let mode: 'file' | 'api';
  let actions: Action[];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    view = createCatalogView({ store: ports.store, bus: ports.bus, logger: ports.logger, groupId: 'api-view' });
    await view.start();
    mode = 'api';
    deps = { bus: ports.bus, store: ports.store, now: () => new Date('2026-11-24T10:00:00.000Z'), catalog: view, mode: () => mode, allowPrivateNetwork: false };
    actions = await record<Action>(ports.bus, TOPICS.actions);
  });
  afterEach(async () => {
    await view.close();
    await ports.close();
  });

  it('adds a server: stored unresolved, seen by the live view, audited with the actor, answered without credentials', async () => {
    const r = await addServer(deps, HTTP, 'alice');
    expect(r.server).toMatchObject({ id: 'search', status: 'pending', transport: 'http', url: 'https://mcp.example.com/mcp', owner: 'search-team', tier: 'prod', intervalSeconds: 300 });
    expect(JSON.stringify(r)).not.toContain('SEARCH_TOKEN');
    const stored = await ports.store.getCatalogEntry('search');
    expect(stored?.transport === 'http' && stored.headers.Authorization).toBe('Bearer ${SEARCH_TOKEN}');
    await eventually(() => view.has('search'));
    expect(findServer(deps, 'search').id).toBe('search');
    expect((await listServers(deps)).servers.map((s) => s.id)).toEqual(['search']);
    await eventually(() => actions.length === 1);
    expect(actions[0]).toMatchObject({ action: 'server.add', serverId: 'search', actor: 'alice', id: r.actionId });
    expect((await ports.store.listAudit(10))[0]).toMatchObject({ action: 'server.add', actor: 'alice' });
  });

  it('refuses a credential in clear with a 400 naming the field (never the value), and stores nothing', async () => {
    const err = await rejection(addServer(deps, { ...HTTP, headers: { Authorization: 'Bearer live-token-123456' } }, 'alice'));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, code: 'literal_secret' });
    expect(err.message).toContain('headers.Authorization');
    expect(err.message).not.toContain('live-token-123456');
    const env = await rejection(addServer(deps, { id: 'gh', transport: 'stdio', command: 'npx', env: { GITHUB_TOKEN: 'ghp_abcdefgh' } }, 'alice'));
    expect(env).toMatchObject({ status: 400, code: 'literal_secret', message: expect.stringContaining('env.GITHUB_TOKEN') });
    expect(await ports.store.listCatalog()).toEqual([]);
  });

  it('refuses an invalid entry, a reference where none is resolved, and an address the policy forbids', async () => {
    expect(await rejection(addServer(deps, { id: 'x', transport: 'ftp' }, 'a'))).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await rejection(addServer(deps, { id: 'x', transport: 'stdio', command: 'node', env: { K: '${BAD REF}' } }, 'a'))).toMatchObject({
      status: 400,
      message: expect.stringContaining('env.K: malformed'),
    });
    expect(await rejection(addServer(deps, { id: 'x', transport: 'stdio', command: '${NODE_BIN}' }, 'a'))).toMatchObject({ status: 400, code: 'reference_not_allowed', message: expect.stringContaining('command') });
    // A pointer into the poller's config file is the file sync's alone.
    expect(await rejection(addServer(deps, { id: 'x', transport: 'stdio', command: 'node', env: { T: '${config:env:GITHUB_TOKEN}' } }, 'a'))).toMatchObject({ status: 400, code: 'reference_not_allowed', message: expect.stringContaining('env.T') });
    expect(await rejection(addServer(deps, { id: 'x', transport: 'http', url: 'http://169.254.169.254/latest' }, 'a'))).toMatchObject({ status: 400, code: 'blocked_address' });
    expect(await rejection(addServer(deps, { id: 'x', transport: 'http', url: 'http://127.0.0.1:9/mcp' }, 'a'))).toMatchObject({ status: 400, code: 'blocked_address' });
    await addServer(deps, { id: 'x', transport: 'http', url: 'http://127.0.0.1:9/mcp', allowPrivateNetwork: true }, 'a');
  });

  it('409s a taken id and, in file mode, every mutation', async () => {
    await addServer(deps, HTTP, 'alice');
    expect(await rejection(addServer(deps, HTTP, 'bob'))).toMatchObject({ code: 'server_exists' });
    mode = 'file';
    for (const p of [addServer(deps, { ...HTTP, id: 'other' }, 'a'), updateServer(deps, 'search', { tags: ['x'] }, 'a'), removeServer(deps, 'search', 'a')]) {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.code).toBe('catalog_read_only');
    }
  });

  it('patches by merge: fields replaced, headers merged, null removes; audited with field names only', async () => {
    await addServer(deps, { ...HTTP, headers: { Authorization: 'Bearer ${SEARCH_TOKEN}', 'X-Team': 'blue' } }, 'alice');
    const r = await updateServer(deps, 'search', { tier: null, tags: ['pci'], interval: 30, headers: { 'X-Team': null, 'X-Api-Key': '${file:/run/secrets/search-key}' } }, 'bob');
    expect(r.changed).toEqual(['headers.X-Api-Key', 'headers.X-Team', 'interval', 'tags', 'tier']);
    expect(r.server).toMatchObject({ tier: null, tags: ['pci'], intervalSeconds: 30, owner: 'search-team' });
    const stored = await ports.store.getCatalogEntry('search');
    expect(stored?.transport === 'http' && stored.headers).toEqual({ Authorization: 'Bearer ${SEARCH_TOKEN}', 'X-Api-Key': '${file:/run/secrets/search-key}' });
    await eventually(() => view.get('search')?.interval === 30);
    await eventually(() => actions.length === 2);
    expect(actions[1]).toMatchObject({ action: 'server.update', actor: 'bob', details: { fields: r.changed } });
    // Nothing to change: nothing written, no action.
    expect(await updateServer(deps, 'search', { tags: ['pci'] }, 'bob')).toMatchObject({ changed: [], actionId: null });
  });

  it('refuses a patch that writes a credential in clear, an unknown field, a changed id; 404s an unknown server', async () => {
    await addServer(deps, HTTP, 'alice');
    expect(await rejection(updateServer(deps, 'search', { headers: { 'X-Api-Key': 'k-123456789' } }, 'b'))).toMatchObject({ status: 400, code: 'literal_secret', message: expect.stringContaining('X-Api-Key') });
    expect(await rejection(updateServer(deps, 'search', { id: 'renamed' }, 'b'))).toMatchObject({ status: 400 });
    expect(await rejection(updateServer(deps, 'search', { surprise: 1 }, 'b'))).toMatchObject({ status: 400 });
    expect(await rejection(updateServer(deps, 'nope', { tags: [] }, 'b'))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('switches transport: the old transport\'s fields go, the common ones stay', async () => {
    await addServer(deps, HTTP, 'alice');
    const r = await updateServer(deps, 'search', { transport: 'stdio', command: 'node', args: ['search.js', '--token', '${SEARCH_TOKEN}'] }, 'bob');
    expect(r.server).toMatchObject({ transport: 'stdio', owner: 'search-team', intervalSeconds: 300 });
    expect(r.server).not.toHaveProperty('url');
    expect(await ports.store.getCatalogEntry('search')).not.toHaveProperty('headers');
  });

  it('removes a server: the view drops it, the reason is audited, a second remove 404s', async () => {
    await addServer(deps, HTTP, 'alice');
    await eventually(() => view.has('search'));
    const r = await removeServer(deps, 'search', 'carol', 'decommissioned');
    expect(r).toMatchObject({ serverId: 'search', removed: true });
    await eventually(() => !view.has('search'));
    await eventually(() => actions.length === 2);
    expect(actions[1]).toMatchObject({ action: 'server.remove', actor: 'carol', reason: 'decommissioned' });
    expect(await rejection(removeServer(deps, 'search', 'carol'))).toMatchObject({ status: 404 });
    expect(() => findServer(deps, 'search')).toThrow(HttpError);
  });
});
