import { basename, dirname } from 'node:path';
import type { ParsedFile, RawServer, Skipped } from '../types.js';
import { FormatError } from './errors.js';
import { isObject, quoted, readServerMap } from './shared.js';

/**
 * Claude Code: a project's `.mcp.json` (`{"mcpServers": …}`), or `~/.claude.json`, which holds the
 * user-scope servers at the top level and each project's local-scope servers under
 * `projects[path].mcpServers`. Entries carry `type: stdio | http | sse`; values may use `${VAR}`
 * and `${VAR:-default}`, as Driftwatch does.
 */
export function parseClaudeCode(doc: unknown, file: string): ParsedFile {
  if (!isObject(doc)) throw new FormatError('is not a JSON object');
  const servers: RawServer[] = [];
  const skipped: Skipped[] = [];
  let found = false;
  if (doc.mcpServers !== undefined) {
    if (!isObject(doc.mcpServers)) throw new FormatError('has an "mcpServers" that is not an object');
    found = true;
    // A project's .mcp.json runs its servers in the project; ~/.claude.json's top level is user scope.
    const project = basename(file) === '.claude.json' ? {} : { projectDir: dirname(file) };
    const r = readServerMap(doc.mcpServers, { where: 'mcpServers', baseDir: dirname(file), ...project });
    servers.push(...r.servers);
    skipped.push(...r.skipped);
  }
  if (doc.projects !== undefined) {
    if (!isObject(doc.projects)) throw new FormatError('has a "projects" that is not an object');
    found = true;
    for (const [path, project] of Object.entries(doc.projects)) {
      if (!isObject(project) || project.mcpServers === undefined) continue;
      const where = `projects[${quoted(path)}].mcpServers`;
      if (!isObject(project.mcpServers)) {
        skipped.push({ name: path, where, reason: 'is not an object' });
        continue;
      }
      // The project's folder name tells two projects' "db" servers apart.
      const r = readServerMap(project.mcpServers, { where, baseDir: path, qualifier: basename(path), projectDir: path });
      servers.push(...r.servers);
      skipped.push(...r.skipped);
    }
  }
  if (!found) throw new FormatError('has neither "mcpServers" nor "projects"');
  return { servers, skipped, notes: [], dialect: 'claude' };
}
