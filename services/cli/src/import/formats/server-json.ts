import { z } from 'zod';
import type { ParsedFile, RawServer, Skipped } from '../types.js';
import { generatedName, upperSnake } from '../variables.js';
import { FormatError } from './errors.js';
import { describeIssues, isObject, oneLine, shownWord, SSE_NOTE } from './shared.js';

/**
 * The MCP registry's `server.json` (schema 2025-09-29 and later, camelCase): `packages` (how to run
 * it from npm, PyPI, OCI, NuGet or an MCP bundle) and `remotes` (where it is hosted). Every package
 * and every remote becomes its own entry: each is a separate artifact that can change on its own.
 *
 * Inputs (arguments, environment variables, headers, URL variables) resolve to their fixed `value`
 * or `default`; a secret input, or a required one with neither, becomes a `${VAR}` reference (an
 * environment variable keeps its own name). `{name}` placeholders resolve from `variables`.
 */
const Input = z.looseObject({
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.string().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  get variables() {
    return z.record(z.string(), Input).optional();
  },
});
type Input = z.infer<typeof Input>;

const Argument = Input.extend({
  type: z.enum(['positional', 'named']),
  name: z.string().optional(),
  valueHint: z.string().optional(),
});
type Argument = z.infer<typeof Argument>;

const KeyValue = Input.extend({ name: z.string().min(1) });
type KeyValue = z.infer<typeof KeyValue>;

const Transport = z.looseObject({
  type: z.string(),
  url: z.string().optional(),
  headers: z.array(KeyValue).optional(),
  variables: z.record(z.string(), Input).optional(),
});
type Transport = z.infer<typeof Transport>;

const Package = z.looseObject({
  registryType: z.string(),
  identifier: z.string().min(1),
  version: z.string().optional(),
  runtimeHint: z.string().optional(),
  runtimeArguments: z.array(Argument).optional(),
  packageArguments: z.array(Argument).optional(),
  environmentVariables: z.array(KeyValue).optional(),
  transport: Transport.optional(),
});
type Package = z.infer<typeof Package>;

const ServerJson = z.looseObject({
  name: z.string().min(1),
  packages: z.array(z.unknown()).optional(),
  remotes: z.array(z.unknown()).optional(),
});

/** Default command per registry type (the registry's own runtime hints). */
const RUNNERS: Record<string, string> = { npm: 'npx', pypi: 'uvx', oci: 'docker', nuget: 'dnx' };

export function parseServerJson(doc: unknown): ParsedFile {
  // A registry API answer wraps the document: {"server": {...}, "_meta": {...}}.
  const body = isObject(doc) && isObject(doc.server) && doc.name === undefined ? doc.server : doc;
  const parsed = ServerJson.safeParse(body);
  if (!parsed.success) throw new FormatError(`is not a server.json: ${describeIssues(parsed.error)}`);
  const { name, packages = [], remotes = [] } = parsed.data;
  if (packages.length === 0 && remotes.length === 0) throw new FormatError('has neither "packages" nor "remotes"');

  // `io.github.user/weather` → `weather`; the namespace is in `where`.
  const base = name.slice(name.lastIndexOf('/') + 1) || name;
  const several = packages.length + remotes.length > 1;
  const hints = new Map<string, string>();
  const servers: RawServer[] = [];
  const skipped: Skipped[] = [];

  packages.forEach((item, i) => {
    const where = `packages[${i}]`;
    const p = Package.safeParse(item);
    const label = several ? `${base}-${isObject(item) && typeof item.registryType === 'string' ? item.registryType : 'package'}` : base;
    if (!p.success) {
      skipped.push({ name: label, where, reason: describeIssues(p.error) });
      return;
    }
    const r = packageServer(p.data, label, `${where} (${p.data.registryType})`, upperSnake(base), hints);
    if ('reason' in r) skipped.push({ name: label, where, reason: r.reason });
    else servers.push(r);
  });
  remotes.forEach((item, i) => {
    const where = `remotes[${i}]`;
    const t = Transport.safeParse(item);
    const label = several ? `${base}-${t.success && t.data.type.toLowerCase() === 'sse' ? 'sse' : 'remote'}` : base;
    if (!t.success) {
      skipped.push({ name: label, where, reason: describeIssues(t.error) });
      return;
    }
    const r = remoteServer(t.data, label, where, upperSnake(base), hints);
    if ('reason' in r) skipped.push({ name: label, where, reason: r.reason });
    else servers.push(r);
  });
  return { servers, skipped, notes: [], dialect: 'claude', variableHints: hints };
}

/** Resolves an input's text, or undefined when it is optional and has no value. */
function resolveInput(input: Input, variable: string, hints: Map<string, string>): string | undefined {
  const ask = (): string => {
    const d = oneLine(input.description);
    if (d && !hints.has(variable)) hints.set(variable, d);
    return `\${${variable}}`;
  };
  // A secret is never copied, even one the publisher wrote in.
  if (input.isSecret) return ask();
  const text = input.value ?? input.default;
  if (text === undefined) return input.isRequired ? ask() : undefined;
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g, (whole, key: string) => {
    const v = input.variables?.[key];
    const name = `${variable}_${upperSnake(key)}`;
    if (!v) return `\${${name}}`;
    return resolveInput({ ...v, isRequired: true }, name, hints) ?? whole;
  });
}

function argumentsOf(list: readonly Argument[] | undefined, server: string, hints: Map<string, string>): string[] {
  const out: string[] = [];
  (list ?? []).forEach((arg, i) => {
    const label = arg.valueHint ?? arg.name?.replace(/^-+/, '') ?? `ARG_${i}`;
    const value = resolveInput(arg, generatedName(server, label), hints);
    if (arg.type === 'named') {
      if (!arg.name) return;
      // A named argument with no value and no requirement is left out, flag and all.
      if (value === undefined) {
        if (arg.isRequired && arg.format === 'boolean') out.push(arg.name);
        return;
      }
      out.push(arg.name, value);
    } else if (value !== undefined) out.push(value);
  });
  return out;
}

/** `prefix` names the variables this server's inputs become (the server's name, upper-snake). */
function packageServer(p: Package, name: string, where: string, prefix: string, hints: Map<string, string>): RawServer | { reason: string } {
  const type = p.registryType.toLowerCase();
  if (type === 'mcpb') return { reason: 'an MCP bundle (mcpb) is a download to unpack, not a command line: install it and add the command it runs' };
  const runner = p.runtimeHint ?? RUNNERS[type];
  if (!runner) return { reason: `registryType ${shownWord(p.registryType)} is not one Driftwatch can turn into a command (npm, pypi, oci, nuget)` };
  const transport = p.transport?.type ?? 'stdio';
  if (transport !== 'stdio') {
    return { reason: `the package serves ${shownWord(transport)} once started, and Driftwatch does not start servers it reaches over HTTP: run it, then add its URL` };
  }
  const env: Record<string, string> = {};
  for (const e of p.environmentVariables ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) return { reason: `environmentVariables: ${shownWord(e.name)} is not a variable name` };
    const value = resolveInput(e, e.name, hints);
    if (value !== undefined) env[e.name] = value;
  }
  const runtimeArgs = p.runtimeArguments ? argumentsOf(p.runtimeArguments, prefix, hints) : undefined;
  const packageArgs = argumentsOf(p.packageArguments, prefix, hints);
  let args: string[];
  switch (type) {
    case 'npm':
      args = [...(runtimeArgs ?? (runner === 'npx' ? ['-y'] : [])), p.version ? `${p.identifier}@${p.version}` : p.identifier, ...packageArgs];
      break;
    case 'pypi':
      args = [...(runtimeArgs ?? []), p.version ? `${p.identifier}==${p.version}` : p.identifier, ...packageArgs];
      break;
    case 'oci': {
      // Newer server.json files put the tag in the identifier; older ones in `version`.
      const tagged = /:[^/]+$/.test(p.identifier) || p.identifier.includes('@sha256:');
      const image = p.version && !tagged ? `${p.identifier}:${p.version}` : p.identifier;
      // A container sees none of the caller's environment unless each variable is passed on.
      const passEnv = Object.keys(env).flatMap((k) => ['-e', k]);
      args = [...(runner === 'docker' || runner === 'podman' ? ['run', '-i', '--rm'] : []), ...(runtimeArgs ?? []), ...passEnv, image, ...packageArgs];
      break;
    }
    default: // nuget
      args = [...(runtimeArgs ?? []), p.version ? `${p.identifier}@${p.version}` : p.identifier, '--yes', ...(packageArgs.length > 0 ? ['--', ...packageArgs] : [])];
  }
  return {
    name,
    where,
    transport: 'stdio',
    command: runner,
    args,
    ...(Object.keys(env).length > 0 ? { env } : {}),
    notes: [],
  };
}

function remoteServer(t: Transport, name: string, where: string, prefix: string, hints: Map<string, string>): RawServer | { reason: string } {
  const type = t.type.toLowerCase();
  if (type !== 'streamable-http' && type !== 'sse') return { reason: `remote type ${shownWord(t.type)} is not streamable-http or sse` };
  if (!t.url) return { reason: 'has no "url"' };
  const url = resolveInput({ value: t.url, ...(t.variables ? { variables: t.variables } : {}) }, prefix, hints)!;
  const headers: Record<string, string> = {};
  for (const h of t.headers ?? []) {
    const value = resolveInput(h, generatedName(prefix, h.name), hints);
    if (value !== undefined) headers[h.name] = value;
  }
  return {
    name,
    where: `${where} (${type})`,
    transport: 'http',
    url,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    notes: type === 'sse' ? [SSE_NOTE] : [],
  };
}
