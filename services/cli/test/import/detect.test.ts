import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/import/detect.js';
import { FIXTURES, fixtureDoc } from './fixtures.js';

describe('detectFormat', () => {
  it('recognises each fixture by its file name or path', async () => {
    const expected = {
      claudeDesktop: 'claude-desktop',
      claudeCodeUser: 'claude-code',
      claudeCodeProject: 'claude-code',
      vscode: 'vscode',
      vscodeSettings: 'vscode',
      cursor: 'cursor',
      serverJson: 'server-json',
    } as const;
    for (const [key, format] of Object.entries(expected)) {
      const { file } = FIXTURES[key as keyof typeof FIXTURES];
      expect(detectFormat(file, await fixtureDoc(file))?.format, key).toBe(format);
    }
  });

  it('falls back to the shape of a file with another name', () => {
    const shape = (doc: unknown) => detectFormat('/tmp/export.json', doc)?.format;
    expect(shape({ projects: {} })).toBe('claude-code');
    expect(shape({ servers: {}, inputs: [] })).toBe('vscode');
    expect(shape({ mcp: { servers: {} } })).toBe('vscode');
    expect(shape({ name: 'a/b', packages: [] })).toBe('server-json');
    expect(shape({ server: { name: 'a/b', remotes: [] } })).toBe('server-json');
    expect(shape({ mcpServers: { a: { command: 'x', env: { K: '${env:K}' } } } })).toBe('cursor');
    expect(shape({ mcpServers: { a: { type: 'http', url: 'https://a' } } })).toBe('claude-code');
    expect(shape({ mcpServers: { a: { command: 'x' } } })).toBe('claude-desktop');
    expect(shape({ something: 'else' })).toBeUndefined();
    expect(shape([1, 2])).toBeUndefined();
  });
});
