import { describe, expect, it } from 'vitest';
import { convertReferences, render, type ReferenceContext } from '../../src/import/references.js';

const claude: ReferenceContext = { dialect: 'claude' };
const editor: ReferenceContext = {
  dialect: 'editor',
  inputs: new Map([['api-key', { variable: 'API_KEY' }]]),
  workspaceFolder: '/home/dev/shop',
};

function convert(text: string, ctx: ReferenceContext): string {
  const r = convertReferences(text, ctx);
  if (!r.ok) throw new Error(r.problem);
  return render(r.segments);
}

function problem(text: string, ctx: ReferenceContext): string {
  const r = convertReferences(text, ctx);
  if (r.ok) throw new Error(`converted to ${render(r.segments)}`);
  return r.problem;
}

describe('references: Claude ${VAR} syntax', () => {
  it('keeps ${VAR} and ${VAR:-default} as Driftwatch writes them', () => {
    expect(convert('Bearer ${TOKEN}', claude)).toBe('Bearer ${TOKEN}');
    expect(convert('${HOST:-localhost}:${PORT:-5432}', claude)).toBe('${HOST:-localhost}:${PORT:-5432}');
    expect(convert('plain $HOME text', claude)).toBe('plain $HOME text');
  });

  it('refuses what Driftwatch would refuse or misread', () => {
    expect(problem('${env:TOKEN}', claude)).toBe('uses "${env:TOKEN}", which is not a ${VAR} or ${VAR:-default} reference');
    expect(problem('${A:-${B}}', claude)).toMatch(/nested reference/);
    expect(problem('abc ${TOKEN', claude)).toBe('has a "${" with no closing "}"');
    expect(problem('$${TOKEN}', claude)).toMatch(/escaped/);
  });

  it('never quotes a reference that could be a value', () => {
    expect(problem('${env:sk-live-abcdef1234567890}', editor)).toBe('uses a "${...}" reference, whose variable name Driftwatch cannot reference');
    expect(problem('${ghp abc123}', claude)).toBe('uses a "${...}" reference, which is not a ${VAR} or ${VAR:-default} reference');
  });
});

describe('references: VS Code and Cursor variables', () => {
  it('turns ${env:X} and ${input:id} into ${VAR}, ${userHome} into ${HOME}', () => {
    expect(convert('${env:GITHUB_TOKEN}', editor)).toBe('${GITHUB_TOKEN}');
    expect(convert('Bearer ${input:api-key}', editor)).toBe('Bearer ${API_KEY}');
    expect(convert('${userHome}/notes', editor)).toBe('${HOME}/notes');
    expect(convert('${UNPREFIXED}', editor)).toBe('${UNPREFIXED}');
  });

  it('writes out the workspace folder and path separators', () => {
    expect(convert('${workspaceFolder}${pathSeparator}tools${/}mcp.js', editor)).toBe('/home/dev/shop/tools/mcp.js');
    expect(convert('${workspaceFolderBasename}', editor)).toBe('shop');
  });

  it('refuses variables with no Driftwatch equivalent, and a workspace variable outside a workspace', () => {
    expect(problem('${config:editor.fontSize}', editor)).toBe('uses "${config:editor.fontSize}", which has no Driftwatch equivalent');
    expect(problem('${command:pick}', editor)).toMatch(/no Driftwatch equivalent/);
    expect(problem('${input:missing}', editor)).toBe('uses "${input:missing}", which no entry of "inputs" declares');
    expect(problem('${workspaceFolder}/x', { dialect: 'editor' })).toMatch(/not inside a workspace/);
  });
});
