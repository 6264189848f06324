/** One problem found in a config source; `path` is a field path like `servers[1].url` ('' for the whole file). */
export interface ConfigIssue {
  path: string;
  message: string;
  /** 1-based position in the source, for syntax errors. */
  line?: number;
  column?: number;
}

export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_TOO_LARGE' | 'CONFIG_SYNTAX' | 'CONFIG_INVALID';

/**
 * Every way a config can be unusable. The message lists every issue on its own line, prefixed with
 * the source name, so an operator fixes the file in one pass instead of one error per restart.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly issues: ConfigIssue[];
  readonly source: string;

  constructor(code: ConfigErrorCode, issues: ConfigIssue[], source: string) {
    super(issues.map((issue) => formatIssue(source, issue)).join('\n'));
    this.code = code;
    this.issues = issues;
    this.source = source;
  }
}

function formatIssue(source: string, issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${source}:${issue.line}:${issue.column ?? 1}` : source;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['servers', 1, 'url']` → `servers[1].url`; keys that are not identifiers are quoted: `env["a-b"]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out ? `.${key}` : key;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
