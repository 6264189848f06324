import type { ServerConfig } from '../config.js';

/** A value that `${VAR}` interpolation put into a server's config, and the field it went into. */
export interface EnvSubstitution {
  /** Path inside the server entry: `['env', 'API_KEY']`, `['headers', 'Authorization']`, `['url']` … */
  path: ReadonlyArray<string | number>;
  value: string;
}

// Kept beside the parsed entry rather than in it: the config schema is the operator's contract
// (strict, no internal fields), and the fact is only needed in the process that parsed the file.
// A copy of the entry (spread, structured clone) loses it and falls back to the literal rules.
const substitutions = new WeakMap<ServerConfig, readonly EnvSubstitution[]>();

/** Records what interpolation substituted into `server` (runtime's config loader calls this). */
export function recordEnvSubstitutions(server: ServerConfig, values: readonly EnvSubstitution[]): void {
  substitutions.set(server, [...(substitutions.get(server) ?? []), ...values]);
}

export function envSubstitutionsOf(server: ServerConfig): readonly EnvSubstitution[] {
  return substitutions.get(server) ?? [];
}
