import { classifyHost } from '@driftwatch/core';
import { buildPlan, type ImportOptions } from '../import/build.js';
import { detectFormat } from '../import/detect.js';
import { FormatError, parseFormat } from '../import/formats/index.js';
import { postEntries } from '../import/post.js';
import { readImportFile } from '../import/read-input.js';
import { OUTPUTS, renderReport, type Output } from '../import/render.js';
import { FORMAT_TITLES, IMPORT_FORMATS, type ImportFormat } from '../import/types.js';
import { CliError, parse } from './common.js';

export const DEFAULT_API = 'http://127.0.0.1:7420';

export const IMPORT_USAGE = `driftwatch import FILE [--format auto|${IMPORT_FORMATS.join('|')}] [--dry-run]
                  [--output text|json|yaml] [--approval required|auto] [--tag TAG]...
                  [--allow-private-network] [--api URL]
  Adds the MCP servers of a client config (Claude Desktop, Claude Code, VS Code, Cursor) or of a
  registry server.json to the catalog: POST /v1/servers on --api (default ${DEFAULT_API}) with
  the admin key in DRIFTWATCH_API_KEY. Credentials written in the file are never copied: each
  becomes a \${VAR} reference, and the report lists the variables to set. --dry-run prints what
  would be added. Exits 0 when every server was added or already there, 1 when one failed, 2 on
  bad input.
`;

export interface ImportDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
}

export async function importServers(argv: string[], out: (s: string) => void, deps: ImportDeps = {}): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string', short: 'f' },
    'dry-run': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    approval: { type: 'string' },
    tag: { type: 'string', multiple: true },
    'allow-private-network': { type: 'boolean' },
    api: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(IMPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`import takes one FILE\n\n${IMPORT_USAGE}`);
  const file = positionals[0]!;
  const format = formatOf(values.format as string | undefined);
  const output = oneOf(values.output as string | undefined, OUTPUTS, '--output', 'text');
  const options: ImportOptions = {
    approval: oneOf(values.approval as string | undefined, ['required', 'auto'] as const, '--approval', 'required'),
    tags: tagsOf(values.tag as string[] | undefined),
    allowPrivateNetwork: values['allow-private-network'] === true,
  };
  const dryRun = values['dry-run'] === true;
  const api = apiOf((values.api as string | undefined) ?? DEFAULT_API);
  // Checked before the file is read: a live import without a key would fail on every server.
  const apiKey = dryRun ? undefined : apiKeyOf((deps.env ?? process.env).DRIFTWATCH_API_KEY);

  const doc = await readImportFile(file);
  let chosen: { format: ImportFormat; because: string };
  if (format === 'auto') {
    const detected = detectFormat(file, doc);
    if (!detected) throw new CliError(`cannot tell which client wrote ${file}; pass --format ${IMPORT_FORMATS.join('|')}`);
    chosen = { format: detected.format, because: `detected from ${detected.because}` };
  } else {
    chosen = { format, because: '--format' };
  }
  let plan;
  try {
    plan = buildPlan(parseFormat(chosen.format, doc, file), file, chosen.format, options);
  } catch (err) {
    if (err instanceof FormatError || err instanceof RangeError) throw new CliError(`${file}: not a usable ${FORMAT_TITLES[chosen.format]}: it ${err.message}`);
    throw err;
  }

  if (dryRun || plan.entries.length === 0) {
    out(renderReport({ plan, because: chosen.because, dryRun }, output));
    return 0;
  }
  if (api.protocol === 'http:' && !isLoopback(api.hostname)) plan.notes.push(`the API key was sent over plain HTTP to ${api.host}: use https beyond this machine`);
  const results = await postEntries(plan.entries, { api, apiKey: apiKey!, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  out(renderReport({ plan, because: chosen.because, dryRun, results }, output));
  return results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

function formatOf(value: string | undefined): ImportFormat | 'auto' {
  return oneOf(value, ['auto', ...IMPORT_FORMATS] as const, '--format', 'auto');
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value.slice(0, 40))})`);
}

function tagsOf(tags: string[] | undefined): string[] {
  const list = [...new Set(tags ?? [])];
  if (list.length > 32) throw new CliError(`at most 32 --tag values (got ${list.length})`);
  for (const t of list) if (t.length < 1 || t.length > 64) throw new CliError('each --tag must be 1 to 64 characters');
  return list;
}

function apiOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError('--api must be an http or https URL, such as http://127.0.0.1:7420');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('--api must be an http or https URL, such as http://127.0.0.1:7420');
  if (url.username || url.password) throw new CliError('--api must not carry credentials: the key is read from DRIFTWATCH_API_KEY');
  if (url.search || url.hash) throw new CliError('--api is the base URL of the API, without a query or fragment');
  return url;
}

function apiKeyOf(key: string | undefined): string {
  if (!key) {
    throw new CliError('set DRIFTWATCH_API_KEY to an admin API key (read from the environment so it stays out of shell history), or pass --dry-run');
  }
  // fetch refuses such a header with an error that quotes it.
  if (!/^[\x21-\x7e]+$/.test(key)) throw new CliError('DRIFTWATCH_API_KEY has characters an HTTP header cannot carry (spaces, line breaks or non-ASCII)');
  return key;
}

function isLoopback(hostname: string): boolean {
  return classifyHost(hostname.replace(/^\[|\]$/g, '')).kind === 'loopback' || hostname === 'localhost';
}
