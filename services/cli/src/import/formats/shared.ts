import { z } from 'zod';
import { formatPath } from '@driftwatch/runtime';
import type { RawServer, Skipped } from '../types.js';

/** A key of the file, quoted for messages and cut so one odd name cannot flood the output. */
export function quoted(key: string): string {
  const s = JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** One line of publisher text (a description) for the variable list. */
export function oneLine(text: string | undefined, max = 120): string | undefined {
  if (!text) return undefined;
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line || undefined;
}

/** Zod issues as `path: message`; zod's messages name types, never values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${formatPath(i.path) || '(entry)'}: ${i.message}`)
    .join('; ');
}

/** A JSON object (from our JSONC reader, or any plain object). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value safe to name in a message: a short identifier, not something that could be a secret. */
export function shownWord(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z][\w.-]{0,31}$/.test(value) ? `"${value}"` : 'an unknown value';
}

export const SSE_NOTE =
  'legacy SSE transport: added as http; the probe tries Streamable HTTP first and falls back to HTTP+SSE when the server answers 4xx';

/**
 * One server of an `mcpServers` (Claude Desktop, Claude Code, Cursor) or `servers` (VS Code) map.
 * Loose: clients keep fields of their own (`disabled`, `autoApprove`, `timeout` …) beside these.
 */
const ClientServer = z.looseObject({
  type: z.string().optional(),
  command: z.string().optional(),
  args: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  envFile: z.string().optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  headersHelper: z.string().optional(),
  disabled: z.boolean().optional(),
});

export interface ServerMapOptions {
  /** Path of the map in the file, for messages (`mcpServers`, `projects["/x"].mcpServers`). */
  where: string;
  /** Directory a relative `cwd` is relative to. */
  baseDir: string;
  qualifier?: string;
  /** Set for project-scoped servers: the folder the client starts them in. */
  projectDir?: string;
}

/** Reads a `{name: {command|url …}}` map. Unusable servers are skipped with a reason. */
export function readServerMap(map: Record<string, unknown>, options: ServerMapOptions): { servers: RawServer[]; skipped: Skipped[] } {
  const servers: RawServer[] = [];
  const skipped: Skipped[] = [];
  for (const [name, value] of Object.entries(map)) {
    const where = `${options.where}[${quoted(name)}]`;
    const skip = (reason: string) => skipped.push({ name, where, reason });
    const parsed = ClientServer.safeParse(value);
    if (!parsed.success) {
      skip(isObject(value) ? describeIssues(parsed.error) : 'is not an object');
      continue;
    }
    const s = parsed.data;
    if (s.disabled === true) {
      skip('is disabled in the client');
      continue;
    }
    const type = s.type?.toLowerCase();
    let transport: 'stdio' | 'http';
    const notes: string[] = [];
    if (type === undefined) {
      if (s.command !== undefined) transport = 'stdio';
      else if (s.url !== undefined) transport = 'http';
      else {
        skip('has neither "command" nor "url"');
        continue;
      }
    } else if (type === 'stdio') transport = 'stdio';
    else if (type === 'http' || type === 'streamable-http' || type === 'streamablehttp') transport = 'http';
    else if (type === 'sse') {
      transport = 'http';
      notes.push(SSE_NOTE);
    } else {
      skip(`has type ${shownWord(s.type)}; Driftwatch watches stdio, http and sse servers`);
      continue;
    }

    if (transport === 'stdio') {
      if (!s.command) {
        skip('is a stdio server without a "command"');
        continue;
      }
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.env ?? {})) {
        if (v === null) notes.push(`env ${k} is null (unset) in the client: left out`);
        else env[k] = String(v);
      }
      if (s.envFile !== undefined) notes.push('envFile is not read (it may hold credentials): set its variables in `env` as ${VAR} references');
      if (s.url !== undefined) notes.push('"url" is ignored: the server is started with "command"');
      servers.push({
        name,
        where,
        ...(options.qualifier ? { qualifier: options.qualifier } : {}),
        transport,
        command: s.command,
        ...(s.args ? { args: s.args.map(String) } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(s.cwd !== undefined ? { cwd: s.cwd } : {}),
        baseDir: options.baseDir,
        ...(options.projectDir !== undefined ? { projectDir: options.projectDir } : {}),
        notes,
      });
    } else {
      if (!s.url) {
        skip('is an HTTP server without a "url"');
        continue;
      }
      if (s.headersHelper !== undefined) notes.push('headersHelper is not run: add the headers it produces by hand, as ${VAR} references');
      servers.push({
        name,
        where,
        ...(options.qualifier ? { qualifier: options.qualifier } : {}),
        transport,
        url: s.url,
        ...(s.headers && Object.keys(s.headers).length > 0 ? { headers: { ...s.headers } } : {}),
        notes,
      });
    }
  }
  return { servers, skipped };
}
