import { basename, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { endpointHostProblem, LIMITS, ServerConfig } from '@driftwatch/core';
import { formatPath } from '@driftwatch/runtime';
import { dropSecretDefaults, protectArgs, protectServerUrl, protectValue } from './credentials.js';
import { IdAllocator } from './ids.js';
import { convertReferences, referencedNames, render, type ReferenceContext } from './references.js';
import type { ImportFormat, ParsedFile, RawServer, Skipped, Variable } from './types.js';
import { Variables } from './variables.js';

/** Servers one import may add; a client config has a handful. */
export const MAX_IMPORT_SERVERS = 1000;

/** A catalog entry as POSTed to /v1/servers: the fields given, the schema's defaults left to the server. */
export type CatalogEntry = z.input<typeof ServerConfig>;

export interface ImportOptions {
  approval: 'auto' | 'required';
  tags: string[];
  /** Sets `allowPrivateNetwork: true` on HTTP entries whose URL is private or loopback. */
  allowPrivateNetwork: boolean;
}

export interface ImportPlan {
  source: string;
  format: ImportFormat;
  entries: CatalogEntry[];
  skipped: Skipped[];
  notes: string[];
  variables: Variable[];
}

class SkipServer extends Error {}

/** Commands that download what they run when they start. */
const FETCHING_COMMANDS = new Set(['npx', 'uvx', 'bunx', 'pnpx', 'dnx']);

/** Converted fields of one server, before credentials are pulled out. */
interface Converted {
  raw: RawServer;
  id: string;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  notes: string[];
}

/** Parsed client config → validated catalog entries, skipped servers with reasons, variables to set. */
export function buildPlan(parsed: ParsedFile, source: string, format: ImportFormat, options: ImportOptions): ImportPlan {
  const total = parsed.servers.length + parsed.skipped.length;
  if (total > MAX_IMPORT_SERVERS) throw new RangeError(`has ${total} servers; the limit is ${MAX_IMPORT_SERVERS}`);
  const ids = new IdAllocator();
  const skipped: Skipped[] = [...parsed.skipped];
  const notes = [...parsed.notes];
  const ctx: ReferenceContext = {
    dialect: parsed.dialect,
    ...(parsed.inputs ? { inputs: parsed.inputs } : {}),
    ...(parsed.workspaceFolder !== undefined ? { workspaceFolder: parsed.workspaceFolder } : {}),
  };

  // References first, for every server: generated names must not collide with any of them.
  const converted: Converted[] = [];
  const seen = new Map<string, string>();
  for (const raw of parsed.servers) {
    let c: Omit<Converted, 'id'>;
    try {
      c = convertServer(raw, ctx);
    } catch (err) {
      if (!(err instanceof SkipServer)) throw err;
      skipped.push({ name: raw.name, where: raw.where, reason: err.message });
      continue;
    }
    // The same server configured twice (user scope and a project, say) is watched once.
    const key = JSON.stringify([c.command, c.args, c.env, c.cwd, c.url, c.headers]);
    const twin = seen.get(key);
    if (twin !== undefined) {
      skipped.push({ name: raw.name, where: raw.where, reason: `same command or URL, arguments, env and headers as ${twin}` });
      continue;
    }
    const id = ids.allocate(raw.name, raw.qualifier);
    seen.set(key, id);
    converted.push({ ...c, id });
  }
  const vars = new Variables(parsed.variableHints);
  vars.reserve(converted.flatMap((c) => [c.command, c.cwd, c.url, ...(c.args ?? []), ...Object.values(c.env ?? {}), ...Object.values(c.headers ?? {})].flatMap((v) => (v ? referencedNames(v) : []))));

  const entries: CatalogEntry[] = [];
  // The same note for several servers is said once, naming them all.
  const byNote = new Map<string, string[]>();
  for (const c of converted) {
    const entry = protect(c, vars, options);
    const problem = validate(entry, options);
    if (problem) {
      skipped.push({ name: c.raw.name, where: c.raw.where, reason: problem });
      continue;
    }
    entries.push(entry);
    for (const note of c.notes) byNote.set(note, [...(byNote.get(note) ?? []), c.id]);
  }
  for (const [note, servers] of byNote) notes.push(`${servers.join(', ')}: ${note}`);
  // Only variables of entries that are kept: a skipped server needs nothing set.
  const kept = new Set(entries.map((e) => e.id));
  const variables = vars
    .list()
    .map((v) => ({ ...v, servers: v.servers.filter((s) => kept.has(s)), where: v.where.filter((w) => kept.has(w.slice(0, w.indexOf(':')))) }))
    .filter((v) => v.servers.length > 0);
  return { source, format, entries, skipped, notes, variables };
}

function convertServer(raw: RawServer, ctx: ReferenceContext): Omit<Converted, 'id'> {
  const notes = [...raw.notes];
  const conv = (text: string, field: string): string => {
    const r = convertReferences(text, ctx);
    if (!r.ok) throw new SkipServer(`${field} ${r.problem}`);
    return render(r.segments);
  };
  const map = (record: Record<string, string> | undefined, field: string) =>
    record ? Object.fromEntries(Object.entries(record).map(([k, v]) => [k, conv(v, `${field} ${k}`)])) : undefined;
  const out: Omit<Converted, 'id'> = { raw, notes };
  if (raw.transport === 'stdio') {
    out.command = conv(raw.command ?? '', 'command');
    if (raw.args) out.args = raw.args.map((a, i) => conv(a, `args[${i}]`));
    out.env = map(raw.env, 'env');
    if (raw.cwd !== undefined) {
      const cwd = conv(raw.cwd, 'cwd');
      // A catalog entry has no file to be relative to: pin it to where the client config meant.
      out.cwd = cwd.includes('${') || isAbsolute(cwd) ? cwd : resolve(raw.baseDir ?? '.', cwd);
      notes.push(`cwd ${out.cwd} is a path on this machine: it must exist where the pollers run`);
    } else if (raw.projectDir !== undefined && [out.command, ...(out.args ?? [])].some(isRelativeFile)) {
      // The client starts a project's server in the project: its relative paths mean files there.
      out.cwd = raw.projectDir;
      notes.push(`cwd set to the project folder ${raw.projectDir}, which its relative paths point into: it must exist where the pollers run`);
    }
    const program = basename(out.command).replace(/\.(cmd|exe)$/i, '');
    if (FETCHING_COMMANDS.has(program) || ((program === 'pnpm' || program === 'yarn') && out.args?.[0] === 'dlx')) {
      notes.push(`downloads its package when it starts (${program}): under the stdio sandbox that needs \`network: true\`, or install it where the pollers run and point \`command\` at it`);
    } else if (program === 'docker' || program === 'podman') {
      notes.push(`runs a container: the stdio sandbox has no container engine; run the image where the pollers can reach it over HTTP, or set \`sandbox: none\` only if you trust it`);
    }
  } else {
    out.url = conv(raw.url ?? '', 'url');
    out.headers = map(raw.headers, 'header');
  }
  return out;
}

function protect(c: Converted, vars: Variables, options: ImportOptions): CatalogEntry {
  const base = { serverId: c.id, vars };
  const defaults = (value: string, field: string, where: string): string => {
    const r = dropSecretDefaults(value, field);
    for (const name of r.dropped) c.notes.push(`${where}: the default of \${${name}} looked like a credential and was dropped; set ${name}`);
    return r.value;
  };
  const record = (value: string, where: string) => {
    // Generated names were recorded, with where the literal was, when they were made.
    for (const name of referencedNames(value)) if (!vars.isGenerated(name)) vars.use(name, c.id, where);
    return value;
  };
  const common = { approval: options.approval, ...(options.tags.length > 0 ? { tags: [...options.tags] } : {}) };
  if (c.raw.transport === 'stdio') {
    const args = protectArgs(
      (c.args ?? []).map((a, i) => defaults(a, '', `args[${i}]`)),
      base,
    ).map((a, i) => record(a, `args[${i}]`));
    const env = Object.fromEntries(
      Object.entries(c.env ?? {}).map(([k, v]) => [k, record(protectValue(defaults(v, k, `env ${k}`), k, { ...base, where: `env ${k}`, label: k }), `env ${k}`)]),
    );
    return {
      id: c.id,
      transport: 'stdio',
      command: record(c.command ?? '', 'command'),
      ...(args.length > 0 ? { args } : {}),
      ...(Object.keys(env).length > 0 ? { env } : {}),
      ...(c.cwd !== undefined ? { cwd: record(c.cwd, 'cwd') } : {}),
      ...common,
    };
  }
  const url = record(protectServerUrl(defaults(c.url ?? '', 'url', 'url'), { ...base, where: 'url', label: 'URL' }), 'url');
  const headers = Object.fromEntries(
    Object.entries(c.headers ?? {}).map(([k, v]) => [k, record(protectValue(defaults(v, k, `header ${k}`), k, { ...base, where: `header ${k}`, label: k }), `header ${k}`)]),
  );
  const privateOk = options.allowPrivateNetwork && !hostIsReference(url) && endpointHostProblem(url, false) !== undefined && endpointHostProblem(url, true) === undefined;
  return {
    id: c.id,
    transport: 'http',
    url,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...common,
    ...(privateOk ? { allowPrivateNetwork: true } : {}),
  };
}

/** Why the entry cannot be added, or undefined. Messages name fields, never values. */
function validate(entry: CatalogEntry, options: ImportOptions): string | undefined {
  if (entry.transport === 'http' && entry.url.startsWith('${')) {
    return 'url starts with a ${VAR} reference: a catalog entry needs its scheme and host written out, to be checked before any connection';
  }
  const r = ServerConfig.safeParse(entry);
  if (!r.success) {
    return r.error.issues
      .slice(0, 3)
      .map((i) => `${formatPath(i.path) || '(entry)'}: ${i.message}`)
      .join('; ');
  }
  if (entry.transport === 'http' && !hostIsReference(entry.url)) {
    const always = endpointHostProblem(entry.url, true);
    if (always) return `url: ${always}`;
    const privately = endpointHostProblem(entry.url, entry.allowPrivateNetwork ?? false);
    if (privately && !options.allowPrivateNetwork) {
      return `url: ${privately}; pass --allow-private-network to add it (it is then reached from the pollers' host, where "localhost" is not this machine)`;
    }
  }
  const size = Buffer.byteLength(JSON.stringify(entry));
  if (size > LIMITS.maxApiBodyBytes) return `the entry is ${size} bytes as JSON; the API takes at most ${LIMITS.maxApiBodyBytes}`;
  return undefined;
}

/** True when the URL's host comes from a variable: the probe checks it once it is known. */
function hostIsReference(url: string): boolean {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1).includes('${');
}

/** `./x`, `../x`, or a script or data file named without a directory (`tools/db.js`, `blog.sqlite`). */
function isRelativeFile(arg: string | undefined): boolean {
  if (!arg || isAbsolute(arg) || arg.startsWith('-') || arg.startsWith('@') || arg.includes('://') || arg.includes('${')) return false;
  return /^\.\.?[\\/]/.test(arg) || /\.(?:[cm]?js|ts|py|rb|sh|jar|sqlite3?|db)$/i.test(arg);
}
