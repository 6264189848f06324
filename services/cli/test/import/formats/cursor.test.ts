import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCursor } from '../../../src/import/formats/cursor.js';
import { FIXTURES, fixtureDoc } from '../fixtures.js';

describe('Cursor parser', () => {
  it('reads a project .cursor/mcp.json: command or url, with the project as workspace', async () => {
    const { file } = FIXTURES.cursor;
    const parsed = parseCursor(await fixtureDoc(file), file);
    expect(parsed.dialect).toBe('editor');
    expect(parsed.workspaceFolder).toBe(dirname(dirname(file)));
    expect(parsed.servers.map((s) => [s.name, s.transport])).toEqual([
      ['openai-tools', 'stdio'],
      ['userjot', 'http'],
      ['search', 'http'],
      ['local-notes', 'stdio'],
      ['dev-server', 'http'],
    ]);
    expect(parsed.servers[0]!.env).toEqual({ OPENAI_API_KEY: 'sk-proj-fixtureCursor1a2b3c4d5e6f7g8h', OPENAI_ORG: '${env:OPENAI_ORG}' });
  });

  it('has no workspace for the user-wide ~/.cursor/mcp.json', () => {
    const parsed = parseCursor({ mcpServers: { a: { url: 'https://a.example/mcp' } } }, join(homedir(), '.cursor', 'mcp.json'));
    expect(parsed.workspaceFolder).toBeUndefined();
  });
});
