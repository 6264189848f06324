import { resolve } from 'node:path';
import { z } from 'zod';
import { CatalogEntry, isCredentialPath, withConfigPointers, type DriftwatchConfig } from '@driftwatch/core';
import { formatPath, type ConfigIssue } from './config-error.js';
import { interpolate, type InterpolateOptions } from './interpolate.js';

// Beside the parsed config rather than in it (as core's provenance does): the config schema is
// the operator's contract, strict, with no internal fields.
const recorded = new WeakMap<DriftwatchConfig, readonly CatalogEntry[]>();
const environments = new WeakMap<DriftwatchConfig, NodeJS.ProcessEnv>();

const HttpUrl = z.url({ protocol: /^https?$/ });

/**
 * Which strings of a config document stay unresolved in the catalog: the credential fields of a
 * server entry (core's isCredentialPath). A URL keeps its references only where it still reads as
 * a URL with them (`https://host/mcp?key=${KEY}`); a reference that supplies the whole URL
 * (`url: ${MCP_URL}`) is addressing, not a credential, and is resolved when the file is read.
 */
export function keepCredentialReferences(path: readonly PropertyKey[], text: string): boolean {
  if (path[0] !== 'servers' || typeof path[1] !== 'number') return false;
  const inEntry = path.slice(2);
  if (!isCredentialPath(inEntry)) return false;
  const isUrl = inEntry.length === 1 || inEntry[0] === 'models';
  return !isUrl || HttpUrl.safeParse(text).success;
}

/**
 * The catalog entries of a config document (YAML already parsed, `x-` keys dropped): each server
 * with its credential references kept as written and everything else interpolated, validated as
 * a CatalogEntry, with the same defaults the config applies (top-level allowPrivateNetwork, stdio
 * `cwd` relative to the file). A credential the file writes in clear becomes a `${config:...}`
 * pointer (core's withConfigPointers): it stays in the file. Throws nothing: returns issues for
 * the config loader to report.
 */
export function catalogEntriesFromDocument(
  raw: unknown,
  config: DriftwatchConfig,
  options: { env: NodeJS.ProcessEnv; baseDir: string; readSecretFile?: InterpolateOptions['readSecretFile'] },
): { entries: CatalogEntry[]; issues: ConfigIssue[] } {
  const { value } = interpolate(raw, options.env, {
    keep: keepCredentialReferences,
    ...(options.readSecretFile ? { readSecretFile: options.readSecretFile } : {}),
  });
  const servers = (value as { servers?: unknown } | null)?.servers;
  const entries: CatalogEntry[] = [];
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(servers)) return { entries, issues };
  servers.forEach((server: unknown, i) => {
    const given = server && typeof server === 'object' ? (server as Record<string, unknown>) : {};
    const parsed = CatalogEntry.safeParse({ ...given, allowPrivateNetwork: given.allowPrivateNetwork ?? config.allowPrivateNetwork });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) issues.push({ path: formatPath(['servers', i, ...issue.path]), message: issue.message });
      return;
    }
    const entry = withConfigPointers(parsed.data);
    if (entry.transport === 'stdio') entry.cwd = resolve(options.baseDir, entry.cwd ?? '.');
    entries.push(entry);
  });
  return { entries, issues };
}

/** Records the catalog entries parseConfig derived for `config`, and the variables it was read with. */
export function recordCatalogEntries(config: DriftwatchConfig, entries: readonly CatalogEntry[], env: NodeJS.ProcessEnv): void {
  recorded.set(config, entries);
  environments.set(config, env);
}

/**
 * The variables `config` was read with (process.env unless the caller gave others): a process
 * resolves catalog references with the same variables it resolves its config file with.
 */
export function configEnvOf(config: DriftwatchConfig): NodeJS.ProcessEnv {
  return environments.get(config) ?? process.env;
}

/**
 * The catalog entries of a config: as parseConfig recorded them (references unresolved), else —
 * a config built in code, where nothing was interpolated — its servers as they are.
 */
export function catalogEntriesOf(config: DriftwatchConfig): CatalogEntry[] {
  const entries = recorded.get(config);
  if (entries) return [...entries];
  return config.servers.map((s) => withConfigPointers(CatalogEntry.parse(s)));
}
