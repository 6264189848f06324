import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaudeDesktop } from '../../../src/import/formats/claude-desktop.js';
import { FormatError } from '../../../src/import/formats/errors.js';
import { FIXTURES, fixtureDoc } from '../fixtures.js';

describe('Claude Desktop parser', () => {
  it('reads every mcpServers entry as written, and skips one without command or url', async () => {
    const { file } = FIXTURES.claudeDesktop;
    const parsed = parseClaudeDesktop(await fixtureDoc(file), file);
    expect(parsed.dialect).toBe('claude');
    expect(parsed.servers.map((s) => [s.name, s.transport])).toEqual([
      ['filesystem', 'stdio'],
      ['github', 'stdio'],
      ['Brave Search', 'stdio'],
      ['postgres', 'stdio'],
      ['linear (remote)', 'stdio'],
      ['time', 'stdio'],
      ['notes', 'http'],
    ]);
    expect(parsed.servers[1]).toEqual({
      name: 'github',
      where: 'mcpServers["github"]',
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_fixtureDesktop7Qw3Er5Ty7Ui9Op1As3Df5' },
      baseDir: dirname(file),
      notes: [],
    });
    expect(parsed.servers[6]).toMatchObject({ url: 'https://notes.example.com/mcp', headers: { 'X-Api-Key': 'nk_fixtureDesktopHttp3Pq8Rs1Tu6' } });
    expect(parsed.skipped).toEqual([{ name: 'broken', where: 'mcpServers["broken"]', reason: 'has neither "command" nor "url"' }]);
  });

  it('skips entries it cannot use, each with its reason, and reads the rest', () => {
    const parsed = parseClaudeDesktop(
      {
        mcpServers: {
          off: { command: 'x', disabled: true },
          typed: { type: 'websocket', url: 'wss://x' },
          badEnv: { command: 'x', env: { A: { nested: true } } },
          notObject: 'npx',
          numbers: { command: 'node', args: ['s.js', 8080], env: { PORT: 8080, UNSET: null } },
        },
      },
      '/tmp/claude_desktop_config.json',
    );
    expect(parsed.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['off', 'is disabled in the client'],
      ['typed', 'has type "websocket"; Driftwatch watches stdio, http and sse servers'],
      ['badEnv', expect.stringMatching(/^env\.A: /)],
      ['notObject', 'is not an object'],
    ]);
    expect(parsed.servers).toEqual([expect.objectContaining({ name: 'numbers', args: ['s.js', '8080'], env: { PORT: '8080' }, notes: ['env UNSET is null (unset) in the client: left out'] })]);
  });

  it('refuses a document without mcpServers', () => {
    expect(() => parseClaudeDesktop({ globalShortcut: 'x' }, 'f.json')).toThrow(new FormatError('has no "mcpServers" object'));
  });
});
