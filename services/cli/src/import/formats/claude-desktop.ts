import { dirname } from 'node:path';
import type { ParsedFile } from '../types.js';
import { FormatError } from './errors.js';
import { isObject, readServerMap } from './shared.js';

/**
 * Claude Desktop's `claude_desktop_config.json`: `{"mcpServers": {name: {command, args, env}}}`
 * (other top-level keys are the app's preferences). Read with Claude Code's `${VAR}` syntax, the
 * same as Driftwatch's, so a reference written there survives.
 */
export function parseClaudeDesktop(doc: unknown, file: string): ParsedFile {
  if (!isObject(doc) || !isObject(doc.mcpServers)) throw new FormatError('has no "mcpServers" object');
  return { ...readServerMap(doc.mcpServers, { where: 'mcpServers', baseDir: dirname(file) }), notes: [], dialect: 'claude' };
}
