import { dirname } from 'node:path';
import type { ParsedFile } from '../types.js';
import { isReservedName, upperSnake } from '../variables.js';
import { FormatError } from './errors.js';
import { isObject, oneLine, readServerMap } from './shared.js';
import { workspaceOf } from './workspace.js';

/**
 * VS Code: `.vscode/mcp.json` (or the user profile's `mcp.json`), `{"servers": {name: {type, command,
 * args, env, envFile, cwd} | {type, url, headers}}, "inputs": [{id, type, description, password}]}`,
 * or the same under `"mcp"` in settings.json. Values may use `${input:id}` (a prompt in VS Code:
 * here a variable named after the id), `${env:NAME}`, `${userHome}` and `${workspaceFolder}`.
 */
export function parseVsCode(doc: unknown, file: string): ParsedFile {
  if (!isObject(doc)) throw new FormatError('is not a JSON object');
  let servers: unknown;
  let inputs: unknown;
  let where = 'servers';
  if (doc.servers !== undefined) {
    servers = doc.servers;
    inputs = doc.inputs;
  } else if (isObject(doc.mcp)) {
    servers = doc.mcp.servers;
    inputs = doc.mcp.inputs;
    where = 'mcp.servers';
  } else if (doc['mcp.servers'] !== undefined) {
    servers = doc['mcp.servers'];
    inputs = doc['mcp.inputs'];
    where = 'mcp.servers';
  }
  if (!isObject(servers)) throw new FormatError('has no "servers" object (mcp.json) or "mcp": {"servers": …} (settings.json)');

  const notes: string[] = [];
  const inputMap = new Map<string, { variable: string; description?: string }>();
  const hints = new Map<string, string>();
  const taken = new Set<string>();
  if (inputs !== undefined && !Array.isArray(inputs)) notes.push('"inputs" is not a list: ignored');
  for (const input of Array.isArray(inputs) ? inputs : []) {
    if (!isObject(input) || typeof input.id !== 'string' || input.id === '') continue;
    let base = upperSnake(input.id) || 'INPUT';
    // An input called "path" must not read the poller's PATH.
    if (!/^[A-Za-z_]/.test(base) || isReservedName(base)) base = `INPUT_${base}`;
    let variable = base;
    for (let n = 2; taken.has(variable); n++) variable = `${base}_${n}`;
    taken.add(variable);
    const description = oneLine(typeof input.description === 'string' ? input.description : undefined);
    // A prompt's default is never copied: for a password prompt it would be the credential.
    inputMap.set(input.id, { variable, ...(description ? { description } : {}) });
    hints.set(variable, oneLine(description ? `VS Code input "${input.id}": ${description}` : `VS Code input "${input.id}"`, 160)!);
  }

  const workspaceFolder = workspaceOf(file, '.vscode');
  const r = readServerMap(servers, { where, baseDir: workspaceFolder ?? dirname(file), ...(workspaceFolder !== undefined ? { projectDir: workspaceFolder } : {}) });
  return {
    ...r,
    notes,
    dialect: 'editor',
    inputs: inputMap,
    variableHints: hints,
    ...(workspaceFolder !== undefined ? { workspaceFolder } : {}),
  };
}
