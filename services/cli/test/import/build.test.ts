import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DriftwatchConfig } from '@driftwatch/core';
import { parseConfig } from '@driftwatch/runtime';
import { buildPlan, MAX_IMPORT_SERVERS, type ImportOptions, type ImportPlan } from '../../src/import/build.js';
import { detectFormat } from '../../src/import/detect.js';
import { parseFormat } from '../../src/import/formats/index.js';
import { FIXTURES, fixtureDoc } from './fixtures.js';

const DEFAULTS: ImportOptions = { approval: 'required', tags: [], allowPrivateNetwork: false };

async function plan(key: keyof typeof FIXTURES, options: Partial<ImportOptions> = {}): Promise<ImportPlan> {
  const { file } = FIXTURES[key];
  const doc = await fixtureDoc(file);
  const format = detectFormat(file, doc)!.format;
  return buildPlan(parseFormat(format, doc, file), file, format, { ...DEFAULTS, ...options });
}

const entry = (p: ImportPlan, id: string) => p.entries.find((e) => e.id === id);

describe('buildPlan', () => {
  it('maps Claude Desktop servers to entries pending approval, credentials as generated references', async () => {
    const p = await plan('claudeDesktop');
    expect(p.entries.map((e) => e.id)).toEqual(['filesystem', 'github', 'brave-search', 'postgres', 'linear-remote', 'time', 'notes']);
    expect(entry(p, 'github')).toEqual({
      id: 'github',
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_PERSONAL_ACCESS_TOKEN}' },
      approval: 'required',
    });
    expect(entry(p, 'postgres')).toMatchObject({ args: ['-y', '@modelcontextprotocol/server-postgres', 'postgresql://dana:${POSTGRES_PASSWORD}@db.internal:5432/sales'] });
    expect(entry(p, 'notes')).toEqual({ id: 'notes', transport: 'http', url: 'https://notes.example.com/mcp', headers: { 'X-Api-Key': '${NOTES_X_API_KEY}' }, approval: 'required' });
    expect(p.variables.map((v) => [v.name, v.origin])).toEqual([
      ['BRAVE_API_KEY', 'reference'],
      ['GITHUB_PERSONAL_ACCESS_TOKEN', 'literal'],
      ['LINEAR_REMOTE_HEADER', 'literal'],
      ['NOTES_X_API_KEY', 'literal'],
      ['POSTGRES_PASSWORD', 'literal'],
    ]);
  });

  it('applies --approval and --tag to every entry', async () => {
    const p = await plan('vscodeSettings', { approval: 'auto', tags: ['imported', 'team-a'] });
    for (const e of p.entries) expect(e).toMatchObject({ approval: 'auto', tags: ['imported', 'team-a'] });
  });

  it('Claude Code: one entry per distinct server, project servers qualified and run in their project', async () => {
    const p = await plan('claudeCodeUser');
    expect(p.entries.map((e) => e.id)).toEqual(['context7', 'sequential-thinking', 'db', 'sentry', 'blog-db']);
    expect(entry(p, 'db')).toMatchObject({ cwd: '/home/dev/shop', env: { DB_HOST: 'localhost', DB_PASSWORD: '${DB_PASSWORD}' } });
    expect(entry(p, 'sentry')).toMatchObject({ transport: 'http', url: 'https://mcp.sentry.dev/sse' });
    expect(p.skipped.map((s) => s.reason)).toContain('same command or URL, arguments, env and headers as sequential-thinking');
    expect(p.notes).toContain('db: env DB_PASSWORD: the default of ${DB_PASSWORD} looked like a credential and was dropped; set DB_PASSWORD');
  });

  it('skips a URL whose scheme and host come from a variable', async () => {
    const p = await plan('claudeCodeProject');
    expect(p.skipped).toEqual([{ name: 'api', where: 'mcpServers["api"]', reason: expect.stringMatching(/^url starts with a \$\{VAR\} reference/) }]);
  });

  it('VS Code: inputs become variables, workspace paths are written out, unknown variables skip the server', async () => {
    const p = await plan('vscode');
    const workspace = FIXTURES.vscode.file.replace(/\/\.vscode\/mcp\.json$/, '');
    expect(entry(p, 'github')).toMatchObject({ env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}' } });
    expect(entry(p, 'workspace-tools')).toMatchObject({
      args: [`${workspace}/tools/mcp.js`],
      cwd: workspace,
      env: { SLACK_BOT_TOKEN: '${WORKSPACE_TOOLS_SLACK_BOT_TOKEN}', HOME_DIR: '${HOME}/notes' },
    });
    expect(p.skipped.map((s) => s.name)).toEqual(['uses-config']);
    expect(p.variables.find((v) => v.name === 'GITHUB_TOKEN')).toMatchObject({ origin: 'reference', description: 'VS Code input "github-token": GitHub Personal Access Token' });
  });

  it('Cursor: a loopback URL is skipped unless --allow-private-network, which marks the entry', async () => {
    expect((await plan('cursor')).skipped.map((s) => [s.name, s.reason])).toEqual([['dev-server', expect.stringMatching(/loopback.*--allow-private-network/)]]);
    const p = await plan('cursor', { allowPrivateNetwork: true });
    expect(entry(p, 'dev-server')).toMatchObject({ url: 'http://localhost:3000/mcp', allowPrivateNetwork: true });
    expect(entry(p, 'userjot')).not.toHaveProperty('allowPrivateNetwork');
    expect(entry(p, 'search')).toMatchObject({ url: 'https://search.example.com/mcp?api_key=${SEARCH_URL_API_KEY}&region=eu' });
  });

  it('produces entries a Driftwatch config accepts, whose references load once their variables are set', async () => {
    for (const key of Object.keys(FIXTURES) as Array<keyof typeof FIXTURES>) {
      const p = await plan(key);
      expect(p.entries.length, key).toBeGreaterThan(0);
      const check = DriftwatchConfig.safeParse({ servers: p.entries });
      expect(check.error?.issues ?? [], key).toEqual([]);
      const env = Object.fromEntries(p.variables.map((v) => [v.name, v.name === 'WEATHER_TENANT' ? 'acme' : 'value-1']));
      expect(() => parseConfig(stringify({ servers: p.entries }), { env, source: key }), key).not.toThrow();
    }
  });

  it('refuses more servers than the limit', () => {
    const mcpServers = Object.fromEntries(Array.from({ length: MAX_IMPORT_SERVERS + 1 }, (_, i) => [`s${i}`, { command: 'x' }]));
    expect(() => buildPlan(parseFormat('claude-desktop', { mcpServers }, '/tmp/c.json'), '/tmp/c.json', 'claude-desktop', DEFAULTS)).toThrow(
      `has ${MAX_IMPORT_SERVERS + 1} servers; the limit is ${MAX_IMPORT_SERVERS}`,
    );
  });
});
