import {
  configPointerValue,
  endpointHostProblem,
  isCredentialPath,
  recordEnvSubstitutions,
  secretsOfServer,
  ServerConfig,
  type CatalogEntry,
} from '@driftwatch/core';
import { formatPath, interpolate, readSecretFile, registerLogSecrets, secretDirsFrom, type SecretFileResult } from '@driftwatch/runtime';

export type Resolution = { ok: true; server: ServerConfig } | { ok: false; reason: string };

export interface ResolveOptions {
  /** Top-level default of `allowPrivateNetwork` for entries that do not set it. */
  allowPrivateNetwork: boolean;
  /** Variables for `${NAME}`; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Reads `${file:...}`; default: within DRIFTWATCH_SECRET_DIRS (see @driftwatch/runtime). */
  readSecretFile?: (path: string) => SecretFileResult;
  /**
   * This process's config-file entry for a server id (resolved, as loadConfig gives it): what
   * `${config:...}` pointers (credentials the file holds in clear) are read from.
   */
  configServer?: (serverId: string) => ServerConfig | undefined;
}

const MAX_REASON = 1000;

/**
 * A catalog entry → the server definition a probe gets, where the probe runs: credential
 * references (`${NAME}`, `${file:/path}`, `${config:...}`) replaced by this process's variables,
 * secret files and config file,
 * validated again as a server entry (and against the address policy), the substituted values
 * recorded as secrets of the entry (core's provenance: masked at any length in what the server
 * says) and registered with the process's log scrubber. Reasons name fields and variables,
 * never a value. Called per poll, so a rotated secret file is read afresh.
 */
export function resolveEntry(entry: CatalogEntry, options: ResolveOptions): Resolution {
  const env = options.env ?? process.env;
  const readFile = options.readSecretFile ?? ((path: string) => readSecretFile(path, secretDirsFrom(env)));
  const { value, issues, interpolated, substitutions } = interpolate(entry, env, {
    // Only credential fields may hold references; every other string is literal in the catalog.
    keep: (path) => !isCredentialPath(path),
    readSecretFile: readFile,
    readConfigValue: (ref) => {
      const own = options.configServer?.(entry.id);
      return own ? configPointerValue(own, ref) : undefined;
    },
  });
  if (issues.length > 0) {
    return fail(`credential reference not resolved: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  const given = value as Record<string, unknown>;
  const parsed = ServerConfig.safeParse({ ...given, allowPrivateNetwork: given.allowPrivateNetwork ?? options.allowPrivateNetwork });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const path = formatPath(i.path);
      // A message may quote the value ("(got …)"); a value from a reference is a secret.
      return interpolated.has(path) ? `${path}: invalid once its references were resolved` : `${path}: ${i.message}`;
    });
    return fail(`resolved entry is invalid: ${problems.join('; ')}`);
  }
  const server = parsed.data;
  const allow = server.allowPrivateNetwork ?? options.allowPrivateNetwork;
  const urls: Array<[string, string | undefined]> = [
    ['url', server.transport === 'http' ? server.url : undefined],
    ['models.openai', server.models?.openai],
    ['models.ollama', server.models?.ollama],
  ];
  for (const [path, url] of urls) {
    const problem = url === undefined ? undefined : endpointHostProblem(url, allow);
    if (problem) return fail(`${path}: ${interpolated.has(path) ? problem.replace(/\s*\(got .*\)$/s, '') : problem}`);
  }
  recordEnvSubstitutions(
    server,
    substitutions.map((s) => ({ path: s.path.map((p) => (typeof p === 'number' ? p : String(p))), value: s.value })),
  );
  registerLogSecrets(secretsOfServer(server));
  return { ok: true, server };
}

function fail(reason: string): Resolution {
  return { ok: false, reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason };
}
