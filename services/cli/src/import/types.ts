/** The client-config formats `driftwatch import` reads. */
export const IMPORT_FORMATS = ['claude-desktop', 'claude-code', 'vscode', 'cursor', 'server-json'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const FORMAT_TITLES: Record<ImportFormat, string> = {
  'claude-desktop': 'Claude Desktop config',
  'claude-code': 'Claude Code config',
  vscode: 'VS Code MCP config',
  cursor: 'Cursor MCP config',
  'server-json': 'MCP registry server.json',
};

/**
 * How `${...}` is spelled in a format. `claude`: `${VAR}` and `${VAR:-default}` (Claude Code's
 * expansion, the same syntax as Driftwatch's). `editor`: VS Code's and Cursor's variables
 * (`${env:VAR}`, `${input:id}`, `${userHome}`, `${workspaceFolder}` …).
 */
export type Dialect = 'claude' | 'editor';

/**
 * One server as a format parser read it, before references are converted and credentials pulled
 * out. Strings are exactly as in the file.
 */
export interface RawServer {
  /** The server's name in the file; the id is slugified from it. */
  name: string;
  /** Where in the file it came from, for messages (`mcpServers["github"]`). */
  where: string;
  /** A second name to try before numbering when the id is taken (e.g. the project's folder). */
  qualifier?: string;
  transport: 'stdio' | 'http';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** Directory a relative `cwd` is relative to. */
  baseDir?: string;
  /** The project a project-scoped server runs in (its client starts it there). */
  projectDir?: string;
  /** Things the user should know about this server (what was not imported, and why). */
  notes: string[];
}

export interface Skipped {
  name: string;
  where: string;
  reason: string;
}

/** What a format parser hands on. */
export interface ParsedFile {
  servers: RawServer[];
  skipped: Skipped[];
  /** File-wide notes. */
  notes: string[];
  dialect: Dialect;
  /** `${input:id}` → the variable it becomes (VS Code). */
  inputs?: ReadonlyMap<string, { variable: string; description?: string }>;
  /** Folder `${workspaceFolder}` stands for, when the file sits in one. */
  workspaceFolder?: string;
  /** One-line descriptions of variables the file declares (registry env vars, VS Code inputs). */
  variableHints?: ReadonlyMap<string, string>;
}

/** A variable the imported entries reference: the user sets it where the pollers run. */
export interface Variable {
  name: string;
  /** Ids of the entries that use it. */
  servers: string[];
  /**
   * `literal`: it replaces a credential that was written into the file (move the value there);
   * `reference`: the file already referenced it (or declared it, as a registry input).
   */
  origin: 'literal' | 'reference';
  /** Where it is used, such as `env GITHUB_TOKEN` or `header Authorization` (never the value). */
  where: string[];
  description?: string;
}
