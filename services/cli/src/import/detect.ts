import { basename, dirname, resolve } from 'node:path';
import { isObject } from './formats/shared.js';
import type { ImportFormat } from './types.js';

export interface Detected {
  format: ImportFormat;
  /** Why, for the report ("file name", "a top-level \"servers\" object"). */
  because: string;
}

/** `--format auto`: the file's name first (clients use fixed names), then its shape. */
export function detectFormat(file: string, doc: unknown): Detected | undefined {
  const name = basename(file).toLowerCase();
  const folder = basename(dirname(resolve(file))).toLowerCase();
  if (name === 'claude_desktop_config.json') return { format: 'claude-desktop', because: 'its file name' };
  if (name === '.claude.json' || name === '.mcp.json') return { format: 'claude-code', because: 'its file name' };
  if (name === 'server.json') return { format: 'server-json', because: 'its file name' };
  if (folder === '.cursor' && name === 'mcp.json') return { format: 'cursor', because: 'its path (.cursor/mcp.json)' };
  if (folder === '.vscode' && (name === 'mcp.json' || name === 'settings.json')) return { format: 'vscode', because: `its path (.vscode/${name})` };

  if (!isObject(doc)) return undefined;
  if (isObject(doc.projects)) return { format: 'claude-code', because: 'a top-level "projects" object' };
  if (isObject(doc.servers)) return { format: 'vscode', because: 'a top-level "servers" object' };
  if ((isObject(doc.mcp) && isObject(doc.mcp.servers)) || isObject(doc['mcp.servers'])) return { format: 'vscode', because: 'an "mcp.servers" setting' };
  const body = isObject(doc.server) ? doc.server : doc;
  if (typeof body.name === 'string' && (Array.isArray(body.packages) || Array.isArray(body.remotes))) {
    return { format: 'server-json', because: '"name" with "packages" or "remotes"' };
  }
  if (isObject(doc.mcpServers)) {
    // The three `mcpServers` formats differ in what their entries use.
    const entries = Object.values(doc.mcpServers);
    const text = JSON.stringify(entries);
    if (/\$\{(?:env:|userHome\}|workspaceFolder\})/.test(text)) return { format: 'cursor', because: '"mcpServers" entries with ${env:…} variables' };
    if (entries.some((e) => isObject(e) && typeof e.type === 'string')) return { format: 'claude-code', because: '"mcpServers" entries with a "type"' };
    return { format: 'claude-desktop', because: 'a top-level "mcpServers" object' };
  }
  return undefined;
}
