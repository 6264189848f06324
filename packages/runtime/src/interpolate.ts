import { LIMITS, REFERENCE_PATTERN, secretPathProblem } from '@driftwatch/core';
import type { ConfigIssue } from './config-error.js';
import { formatPath } from './config-error.js';
import { readSecretFile, secretDirsFrom, type SecretFileResult } from './secret-files.js';

/**
 * `${VAR}`, `${VAR:-default}` (default when unset or empty), `${file:/run/secrets/x}` (a secret
 * file's content) and `$${` for a literal `${` — core's REFERENCE_PATTERN, shared with the
 * catalog. Anything else that starts with `${` is an error rather than silently kept, so a typo
 * such as `${API KEY}` cannot send the literal text to a server as a credential.
 */
const REFERENCE = REFERENCE_PATTERN;

export interface InterpolateOptions {
  /**
   * Strings for which this returns true are kept as written, references and all (the catalog
   * keeps credential references unresolved; see core's isCredentialPath).
   */
  keep?: (path: readonly PropertyKey[], text: string) => boolean;
  /** Reads a `${file:...}` reference; default: readSecretFile within DRIFTWATCH_SECRET_DIRS of `env`. */
  readSecretFile?: (path: string) => SecretFileResult;
  /**
   * Reads a `${config:...}` pointer (a credential the config file holds in clear; see core's
   * config-refs.ts). Default: none — such a pointer is the catalog's, never the config file's own.
   */
  readConfigValue?: (ref: string) => string | undefined;
}

export interface InterpolationResult {
  value: unknown;
  issues: ConfigIssue[];
  /** Paths (formatted) whose value came, in part, from the environment. */
  interpolated: Set<string>;
  /**
   * Each non-empty value taken from the environment or a secret file, with the path it went into. These are the
   * values the config means to keep out of the file: secrets whatever their length (see core's
   * secretsOfServer). Defaults written in the file (`${X:-default}`) are not among them.
   */
  substitutions: Array<{ path: PropertyKey[]; value: string }>;
}

/**
 * Replaces references in every string value (never in keys) of a parsed YAML document.
 * Values from the environment are never echoed in issues: only the variable name is.
 */
export function interpolate(doc: unknown, env: NodeJS.ProcessEnv, options: InterpolateOptions = {}): InterpolationResult {
  const readFile = options.readSecretFile ?? ((path: string) => readSecretFile(path, secretDirsFrom(env)));
  const issues: ConfigIssue[] = [];
  const interpolated = new Set<string>();
  const substitutions: InterpolationResult['substitutions'] = [];

  const visit = (value: unknown, path: PropertyKey[]): unknown => {
    if (path.length > LIMITS.maxJsonDepth) {
      issues.push({ path: formatPath(path), message: `nested deeper than ${LIMITS.maxJsonDepth} levels` });
      return null;
    }
    if (typeof value === 'string') return options.keep?.(path, value) ? value : substitute(value, path);
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // defineProperty so a `__proto__` key stays an own property (and gets rejected by the schema).
        Object.defineProperty(out, key, { value: visit(item, [...path, key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };

  const substitute = (text: string, path: PropertyKey[]): string => {
    if (!text.includes('${')) return text;
    return text.replace(REFERENCE, (match, file: string | undefined, config: string | undefined, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      if (config !== undefined) {
        interpolated.add(formatPath(path));
        const value = options.readConfigValue?.(config);
        if (value === undefined) {
          issues.push({
            path: formatPath(path),
            message: options.readConfigValue
              ? `the config file of this process has no value for \${config:${config}} (is it the same file the catalog was written from?)`
              : '${config:...} is written by Driftwatch in the catalog, not in a config file',
          });
          return '';
        }
        if (value !== '') substitutions.push({ path, value });
        return value;
      }
      if (file !== undefined) {
        interpolated.add(formatPath(path));
        const problem = secretPathProblem(file);
        const read = problem ? { ok: false as const, problem } : readFile(file);
        if (!read.ok) {
          issues.push({ path: formatPath(path), message: read.problem });
          return '';
        }
        if (read.value !== '') substitutions.push({ path, value: read.value });
        return read.value;
      }
      if (name === undefined) {
        issues.push({ path: formatPath(path), message: 'malformed "${...}" reference (use ${NAME}, ${NAME:-default} or ${file:/path}; write $${ for a literal ${)' });
        return match;
      }
      interpolated.add(formatPath(path));
      const set = env[name];
      if (set !== undefined && set !== '') substitutions.push({ path, value: set });
      if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
      if (set === undefined) {
        issues.push({ path: formatPath(path), message: `environment variable ${name} is not set (use \${${name}:-default} to give a default)` });
        return '';
      }
      return set;
    });
  };

  return { value: visit(doc, []), issues, interpolated, substitutions };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
