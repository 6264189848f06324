import { z } from 'zod';
import { ServerConfig } from '../config.js';
import { referenceProblem } from './references.js';

/** A path inside a server entry: `['headers', 'Authorization']`, `['args', 2]`, `['url']` … */
export type EntryPath = ReadonlyArray<string | number>;

export interface CredentialField {
  path: EntryPath;
  /**
   * The name the secret rules judge the value by: the header or variable name, the flag an
   * argument belongs to (`--token abc`, `--token=abc`), or `url`.
   */
  name: string;
  /** The value the rules judge: the whole field, or the part after `=` of a `--flag=value` argument. */
  value: string;
  kind: 'header' | 'env' | 'arg' | 'url';
}

/**
 * The fields of a server entry that may carry a credential, and so may hold references that
 * only the poller resolves: header values, env values, command-line arguments, the server URL
 * and the model endpoint URLs. Every other field is literal in the catalog.
 */
export function credentialFields(server: ServerConfig): CredentialField[] {
  const out: CredentialField[] = [];
  if (server.transport === 'http') {
    for (const [name, value] of Object.entries(server.headers ?? {})) out.push({ path: ['headers', name], name, value, kind: 'header' });
    out.push({ path: ['url'], name: 'url', value: server.url, kind: 'url' });
  } else {
    for (const [name, value] of Object.entries(server.env ?? {})) out.push({ path: ['env', name], name, value, kind: 'env' });
    server.args.forEach((arg, i) => {
      const eq = /^--?([A-Za-z0-9_-]+)=(.*)$/s.exec(arg);
      if (eq) {
        out.push({ path: ['args', i], name: eq[1]!, value: eq[2]!, kind: 'arg' });
        return;
      }
      const flag = arg.startsWith('-') ? undefined : /^--?([A-Za-z0-9_-]+)$/.exec(server.args[i - 1] ?? '');
      out.push({ path: ['args', i], name: flag?.[1] ?? '', value: arg, kind: 'arg' });
    });
  }
  if (server.models?.openai) out.push({ path: ['models', 'openai'], name: 'url', value: server.models.openai, kind: 'url' });
  if (server.models?.ollama) out.push({ path: ['models', 'ollama'], name: 'url', value: server.models.ollama, kind: 'url' });
  return out;
}

/** True when `path` (inside a server entry) is one of the fields credentialFields lists. */
export function isCredentialPath(path: ReadonlyArray<PropertyKey>): boolean {
  const [field, key] = path;
  if (path.length === 1) return field === 'url';
  if (path.length !== 2) return false;
  if (field === 'headers' || field === 'env') return typeof key === 'string';
  if (field === 'args') return typeof key === 'number';
  return field === 'models' && (key === 'openai' || key === 'ollama');
}

/**
 * A catalog entry: a server definition with the fields of a config-file server entry (defaults
 * applied), whose credential fields may hold references (`${NAME}`, `${file:/path}`) that are
 * kept UNRESOLVED — in the store, on `mcp.catalog.v1` and in every worker's view. Only the poller
 * resolves them, just before a probe (see @driftwatch/catalog's resolver).
 *
 * Branded, so a resolved ServerConfig (which holds secret values) cannot be put into the catalog
 * by mistake: an entry is made by parsing with this schema.
 */
export const CatalogEntry = ServerConfig.superRefine((server, ctx) => {
  for (const field of credentialFields(server)) {
    const problem = referenceProblem(field.value);
    if (problem) ctx.addIssue({ code: 'custom', path: [...field.path], message: problem });
  }
}).brand<'CatalogEntry'>();
export type CatalogEntry = z.infer<typeof CatalogEntry>;
