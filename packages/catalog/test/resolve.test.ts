import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogEntry, ServerConfig, secretsOfServer } from '@driftwatch/core';
import { scrubLogLine } from '@driftwatch/runtime';
import { resolveEntry } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-resolve-'));
  await writeFile(join(dir, 'token'), 'file-token-9f8e7d\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolving a catalog entry where the probe runs', () => {
  it('fills references from the environment and secret files, records them as secrets and masks them in logs', () => {
    const entry = CatalogEntry.parse({
      id: 'h',
      transport: 'http',
      url: 'https://mcp.example.com/mcp?key=${KEY}',
      headers: { Authorization: `Bearer \${file:${dir}/token}`, 'X-Team': '${TEAM}', 'X-Literal': '$${kept}' },
    });
    const r = resolveEntry(entry, { allowPrivateNetwork: false, env: { KEY: 'k1', TEAM: 'tm', DRIFTWATCH_SECRET_DIRS: dir } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.server).toMatchObject({ url: 'https://mcp.example.com/mcp?key=k1', headers: { Authorization: 'Bearer file-token-9f8e7d', 'X-Team': 'tm', 'X-Literal': '${kept}' } });
    // Substituted values are secrets at any length (core's provenance), so the probe masks them.
    expect(secretsOfServer(r.server).map((s) => s.source)).toEqual(expect.arrayContaining(['url:query:key', 'header:Authorization', 'header:X-Team']));
    expect(scrubLogLine('{"msg":"sent Bearer file-token-9f8e7d"}')).not.toContain('file-token-9f8e7d');
    // The entry itself is untouched: the view keeps it unresolved.
    expect(entry.transport === 'http' && entry.headers.Authorization).toBe(`Bearer \${file:${dir}/token}`);
  });

  it('resolves ${config:...} pointers from this process\'s own config file entry', () => {
    const file = ServerConfig.parse({ id: 'h', transport: 'http', url: 'https://u:pw-9x8y@mcp.example.com/mcp', headers: { 'X-Key': 'literal-key-1234' } });
    const entry = CatalogEntry.parse({ id: 'h', transport: 'http', url: 'https://u:${config:url:password}@mcp.example.com/mcp', headers: { 'X-Key': '${config:headers:X-Key}' } });
    const r = resolveEntry(entry, { allowPrivateNetwork: false, env: {}, configServer: (id) => (id === 'h' ? file : undefined) });
    expect(r).toMatchObject({ ok: true, server: { url: 'https://u:pw-9x8y@mcp.example.com/mcp', headers: { 'X-Key': 'literal-key-1234' } } });
    const elsewhere = resolveEntry(entry, { allowPrivateNetwork: false, env: {}, configServer: () => undefined });
    expect(elsewhere).toMatchObject({ ok: false, reason: expect.stringContaining('has no value for ${config:headers:X-Key}') });
  });

  it('fails with a reason that names the field and the variable, never a value', () => {
    const entry = CatalogEntry.parse({ id: 's', transport: 'stdio', command: 'node', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}', OTHER: '${file:/run/secrets/nope}' } });
    const r = resolveEntry(entry, { allowPrivateNetwork: false, env: {} });
    expect(r).toEqual({
      ok: false,
      reason: expect.stringMatching(/^credential reference not resolved: env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set.*env.OTHER: .*\/run\/secrets\/nope/),
    });
  });

  it('applies the address policy to the resolved URL, without quoting a host that came from a reference', () => {
    const entry = CatalogEntry.parse({ id: 'h', transport: 'http', url: 'https://${HOST}/mcp' });
    const r = resolveEntry(entry, { allowPrivateNetwork: false, env: { HOST: '169.254.169.254' } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^url: host is/);
    expect(!r.ok && r.reason).not.toContain('169.254.169.254');
    const loopback = resolveEntry(CatalogEntry.parse({ id: 'l', transport: 'http', url: 'http://127.0.0.1:1/mcp' }), { allowPrivateNetwork: true });
    expect(loopback.ok).toBe(true);
  });

  it('reports a value that breaks the entry once resolved without echoing it', () => {
    const entry = CatalogEntry.parse({ id: 'h', transport: 'http', url: 'https://mcp.example.com/mcp', headers: { 'X-Token': '${TOKEN}' } });
    const r = resolveEntry(entry, { allowPrivateNetwork: false, env: { TOKEN: 'line1\nline2-secret' } });
    expect(r).toEqual({ ok: false, reason: 'resolved entry is invalid: headers["X-Token"]: invalid once its references were resolved' });
  });
});
