import { dirname } from 'node:path';
import type { ParsedFile } from '../types.js';
import { FormatError } from './errors.js';
import { isObject, readServerMap } from './shared.js';
import { workspaceOf } from './workspace.js';

/**
 * Cursor: `~/.cursor/mcp.json` or a project's `.cursor/mcp.json`, `{"mcpServers": {name: {command,
 * args, env, envFile} | {url, headers}}}`. Values may use `${env:NAME}`, `${userHome}` and, in a
 * project's file, `${workspaceFolder}`.
 */
export function parseCursor(doc: unknown, file: string): ParsedFile {
  if (!isObject(doc) || !isObject(doc.mcpServers)) throw new FormatError('has no "mcpServers" object');
  const workspaceFolder = workspaceOf(file, '.cursor');
  const r = readServerMap(doc.mcpServers, { where: 'mcpServers', baseDir: workspaceFolder ?? dirname(file), ...(workspaceFolder !== undefined ? { projectDir: workspaceFolder } : {}) });
  return { ...r, notes: [], dialect: 'editor', ...(workspaceFolder !== undefined ? { workspaceFolder } : {}) };
}
