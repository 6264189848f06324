import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { DriftwatchConfig, LIMITS, recordEnvSubstitutions, secretsOfConfig, secretsOfReceivers } from '@driftwatch/core';
import { ConfigError, formatPath, type ConfigIssue } from './config-error.js';
import { describeIssues } from './config-issues.js';
import { interpolate, type InterpolationResult } from './interpolate.js';
import { findExcessiveNesting } from './config-nesting.js';
import { registerLogSecrets } from './log-secrets.js';
import { catalogEntriesFromDocument, recordCatalogEntries } from './catalog-entries.js';

export { ConfigError, type ConfigIssue, type ConfigErrorCode } from './config-error.js';

/** A config needs a handful of anchors at most; more smells like an alias bomb. */
const MAX_ALIAS_COUNT = 100;

export interface ParseConfigOptions {
  /** Name used in error messages (usually the file path). */
  source?: string;
  /** Directory that relative stdio `cwd`s are resolved against; defaults to process.cwd(). */
  baseDir?: string;
  /** Variables for `${VAR}` interpolation; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * YAML (or JSON, a YAML subset) text → validated config. Throws ConfigError listing every problem.
 * Order: size bound → YAML syntax → `${VAR}` interpolation → schema → path resolution; then the
 * catalog entries (credential references kept; see catalogEntriesOf).
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): DriftwatchConfig {
  const source = options.source ?? '<config>';
  const size = Buffer.byteLength(text, 'utf8');
  if (size > LIMITS.maxConfigBytes) {
    throw new ConfigError('CONFIG_TOO_LARGE', [{ path: '', message: `config is ${size} bytes; the limit is ${LIMITS.maxConfigBytes}` }], source);
  }

  const tooDeep = findExcessiveNesting(text);
  if (tooDeep) {
    throw new ConfigError('CONFIG_SYNTAX', [{ path: '', message: `config is ${tooDeep.message}; refusing to parse it`, line: tooDeep.line, column: tooDeep.column }], source);
  }
  const raw = dropExtensionKeys(parseYaml(text, source));

  const { value, issues: interpolationIssues, interpolated, substitutions } = interpolate(raw, options.env ?? process.env);
  const result = DriftwatchConfig.safeParse(value);
  if (!result.success || interpolationIssues.length > 0) {
    const schemaIssues = result.success ? [] : describeIssues(result.error.issues, value);
    const issues = [...interpolationIssues, ...schemaIssues.map((i) => (interpolated.has(i.path) ? redactEcho(i) : i))];
    if (!result.success) issues.push(...duplicateIdsMissed(value, issues));
    throw new ConfigError('CONFIG_INVALID', issues, source);
  }

  const baseDir = resolve(options.baseDir ?? process.cwd());
  const config = result.data;
  recordSubstitutions(config, substitutions);
  for (const server of config.servers) {
    // A relative cwd means "relative to the config file", the only reading that survives `cd`.
    if (server.transport === 'stdio') server.cwd = resolve(baseDir, server.cwd ?? '.');
  }
  // The same servers as the living catalog keeps them: credential references unresolved.
  const catalog = catalogEntriesFromDocument(raw, config, { env: options.env ?? process.env, baseDir });
  if (catalog.issues.length > 0) throw new ConfigError('CONFIG_INVALID', catalog.issues, source);
  recordCatalogEntries(config, catalog.entries, options.env ?? process.env);
  return config;
}

/**
 * Reads a config file (bounded) and parses it; stdio `cwd`s resolve against the file's directory.
 * The config's secrets are registered with the log scrubber, so from here on no log line of this
 * process shows them in any recognised form.
 */
export async function loadConfig(path: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<DriftwatchConfig> {
  const absolute = resolve(path);
  const text = await readBounded(absolute, path);
  const config = parseConfig(text, { source: path, baseDir: dirname(absolute), ...(options.env ? { env: options.env } : {}) });
  registerLogSecrets([...secretsOfConfig(config), ...secretsOfReceivers(config.receivers)]);
  return config;
}

/** Tells core which values of each server entry came from the environment (they are secrets at any length). */
function recordSubstitutions(config: DriftwatchConfig, substitutions: InterpolationResult['substitutions']): void {
  for (const { path, value } of substitutions) {
    const [root, index, ...rest] = path;
    const server = root === 'servers' && typeof index === 'number' ? config.servers[index] : undefined;
    if (!server) continue;
    recordEnvSubstitutions(server, [{ path: rest.map((p) => (typeof p === 'number' ? p : String(p))), value }]);
  }
}

async function readBounded(absolute: string, source: string): Promise<string> {
  let handle;
  try {
    handle = await open(absolute, 'r');
  } catch (err) {
    throw new ConfigError('CONFIG_NOT_FOUND', [{ path: '', message: `cannot open config: ${reasonOf(err)}` }], source);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ConfigError('CONFIG_NOT_FOUND', [{ path: '', message: 'cannot open config: not a regular file' }], source);
    if (stat.size > LIMITS.maxConfigBytes) {
      throw new ConfigError('CONFIG_TOO_LARGE', [{ path: '', message: `config is ${stat.size} bytes; the limit is ${LIMITS.maxConfigBytes}` }], source);
    }
    // Read at most limit+1 bytes even if the file grows after stat (or is a FIFO that lies about size).
    const buffer = Buffer.alloc(LIMITS.maxConfigBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > LIMITS.maxConfigBytes) {
      throw new ConfigError('CONFIG_TOO_LARGE', [{ path: '', message: `config is larger than the limit of ${LIMITS.maxConfigBytes} bytes` }], source);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('CONFIG_NOT_FOUND', [{ path: '', message: `cannot read config: ${reasonOf(err)}` }], source);
  } finally {
    await handle.close();
  }
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  let doc;
  try {
    // prettyErrors off: its messages quote the offending source line, which may hold a secret.
    // merge: YAML 1.1 merge keys (`<<: *defaults`), which people reach for to share server settings.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (err) {
    throw new ConfigError('CONFIG_SYNTAX', [{ path: '', message: `YAML could not be parsed: ${reasonOf(err)}` }], source);
  }
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { path: '', message: firstLine(e.message), line, column: col };
    });
    throw new ConfigError('CONFIG_SYNTAX', issues, source);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount (a "billion laughs").
    throw new ConfigError('CONFIG_SYNTAX', [{ path: '', message: `YAML could not be expanded: ${reasonOf(err)}` }], source);
  }
}

/**
 * Top-level keys starting with `x-` are free for the operator (a place to keep YAML anchors, as in
 * Compose files) and are not part of the config.
 */
function dropExtensionKeys(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith('x-')) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A schema message may quote the value (e.g. a bad interval); if it came from the environment, drop it. */
function redactEcho(issue: ConfigIssue): ConfigIssue {
  return { ...issue, message: issue.message.replace(/\s*\(got .*\)$/s, ' (value taken from the environment)') };
}

/**
 * zod skips the array-level duplicate check when an element already failed; report duplicate ids
 * anyway so one pass over the file shows every problem.
 */
function duplicateIdsMissed(value: unknown, already: ConfigIssue[]): ConfigIssue[] {
  const servers = (value as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) return [];
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  servers.forEach((server: unknown, i) => {
    const id = (server as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) {
      const path = formatPath(['servers', i, 'id']);
      if (!already.some((issue) => issue.path === path)) out.push({ path, message: `duplicate server id ${JSON.stringify(id)}` });
    }
    seen.add(id);
  });
  return out;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? firstLine(err.message) : String(err);
}
