import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaudeCode } from '../../../src/import/formats/claude-code.js';
import { FormatError } from '../../../src/import/formats/errors.js';
import { SSE_NOTE } from '../../../src/import/formats/shared.js';
import { FIXTURES, fixtureDoc } from '../fixtures.js';

describe('Claude Code parser', () => {
  it('reads ~/.claude.json: user-scope servers, then each project\'s, qualified by the project folder', async () => {
    const { file } = FIXTURES.claudeCodeUser;
    const parsed = parseClaudeCode(await fixtureDoc(file), file);
    expect(parsed.servers.map((s) => [s.where, s.transport, s.qualifier, s.projectDir])).toEqual([
      ['mcpServers["context7"]', 'http', undefined, undefined],
      ['mcpServers["sequential-thinking"]', 'stdio', undefined, undefined],
      ['projects["/home/dev/shop"].mcpServers["db"]', 'stdio', 'shop', '/home/dev/shop'],
      ['projects["/home/dev/shop"].mcpServers["sentry"]', 'http', 'shop', undefined],
      ['projects["/home/dev/blog"].mcpServers["db"]', 'stdio', 'blog', '/home/dev/blog'],
      ['projects["/home/dev/blog"].mcpServers["sequential-thinking"]', 'stdio', 'blog', '/home/dev/blog'],
    ]);
    expect(parsed.servers[3]).toMatchObject({ url: 'https://mcp.sentry.dev/sse', headers: { Authorization: 'Bearer ${SENTRY_TOKEN}' }, notes: [SSE_NOTE] });
    expect(parsed.servers[2]).toMatchObject({ env: { DB_HOST: 'localhost', DB_PASSWORD: '${DB_PASSWORD:-hunter2FixtureDefault}' }, baseDir: '/home/dev/shop' });
    expect(parsed.skipped).toEqual([
      { name: 'ws', where: 'projects["/home/dev/blog"].mcpServers["ws"]', reason: 'has type "websocket"; Driftwatch watches stdio, http and sse servers' },
    ]);
  });

  it('reads a project .mcp.json as project scope', async () => {
    const { file } = FIXTURES.claudeCodeProject;
    const parsed = parseClaudeCode(await fixtureDoc(file), file);
    expect(parsed.servers.map((s) => [s.name, s.transport])).toEqual([
      ['playwright', 'stdio'],
      ['stripe', 'http'],
      ['api', 'http'],
    ]);
    expect(parsed.servers[0]!.projectDir).toBe(dirname(file));
  });

  it('refuses a document with neither mcpServers nor projects', () => {
    expect(() => parseClaudeCode({ theme: 'dark' }, '/home/u/.claude.json')).toThrow(FormatError);
    expect(() => parseClaudeCode({ mcpServers: [] }, '/home/u/.claude.json')).toThrow('has an "mcpServers" that is not an object');
  });
});
