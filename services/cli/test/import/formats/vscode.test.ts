import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/import/formats/errors.js';
import { parseVsCode } from '../../../src/import/formats/vscode.js';
import { FIXTURES, fixtureDoc } from '../fixtures.js';

describe('VS Code parser', () => {
  it('reads .vscode/mcp.json with comments and trailing commas: servers, inputs and the workspace folder', async () => {
    const { file } = FIXTURES.vscode;
    const parsed = parseVsCode(await fixtureDoc(file), file);
    const workspace = dirname(dirname(file));
    expect(parsed.dialect).toBe('editor');
    expect(parsed.workspaceFolder).toBe(workspace);
    expect([...parsed.inputs!.entries()]).toEqual([
      ['github-token', { variable: 'GITHUB_TOKEN', description: 'GitHub Personal Access Token' }],
      ['perplexity-key', { variable: 'PERPLEXITY_KEY', description: 'Perplexity API key' }],
    ]);
    expect(parsed.variableHints!.get('GITHUB_TOKEN')).toBe('VS Code input "github-token": GitHub Personal Access Token');
    expect(parsed.servers.map((s) => [s.name, s.transport])).toEqual([
      ['github', 'stdio'],
      ['perplexity', 'stdio'],
      ['workspace-tools', 'stdio'],
      ['docs', 'http'],
      ['legacy', 'http'],
      ['uses-config', 'stdio'],
    ]);
    expect(parsed.servers[2]).toMatchObject({
      cwd: '${workspaceFolder}',
      projectDir: workspace,
      notes: ['envFile is not read (it may hold credentials): set its variables in `env` as ${VAR} references'],
    });
  });

  it('reads settings.json\'s "mcp": {"servers"} (no workspace outside a .vscode folder)', async () => {
    const { file } = FIXTURES.vscodeSettings;
    const parsed = parseVsCode(await fixtureDoc(file), file);
    expect(parsed.workspaceFolder).toBeUndefined();
    expect(parsed.servers.map((s) => [s.where, s.transport])).toEqual([
      ['mcp.servers["fetch"]', 'stdio'],
      ['mcp.servers["weather"]', 'http'],
    ]);
  });

  it('refuses a document without servers', () => {
    expect(() => parseVsCode({ 'editor.fontSize': 12 }, '/x/settings.json')).toThrow(FormatError);
  });
});

describe('VS Code inputs', () => {
  it('never become a variable the environment already has', () => {
    const parsed = parseVsCode({ inputs: [{ id: 'path', type: 'promptString' }, { id: '1st', type: 'promptString' }], servers: {} }, '/x/mcp.json');
    expect([...parsed.inputs!.values()].map((i) => i.variable)).toEqual(['INPUT_PATH', 'INPUT_1ST']);
  });
});
