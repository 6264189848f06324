/**
 * Captures the benign half of the corpus: installs real MCP servers from npm into a directory
 * OUTSIDE the repository, starts each one over stdio with the official SDK client, lists its
 * tools and writes `test/corpus/benign/<package>@<version>.json`.
 *
 *   node --import tsx test/corpus/capture.ts [--dir /tmp/corpus-servers] [--only <package>]
 *
 * Servers that want an API key get an obviously fake one: listing tools needs no network and no
 * account, and we never call a tool. Servers that do not answer within the timeout are skipped
 * and reported, never retried forever.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolInfo } from '../../packages/core/src/schemas/snapshot.js';

export interface ServerSpec {
  package: string;
  /** Which `bin` entry to run when the package has several. */
  bin?: string;
  args?: string[];
  env?: Record<string, string>;
}

const FAKE = 'driftwatch-capture-placeholder-not-a-secret';
export const SANDBOX = '/tmp/corpus-servers/sandbox';

/**
 * The servers we capture. Every one must start offline with no real credentials. Tried and left
 * out because they do not list tools offline: server-redis (connects before listing),
 * @supabase/mcp-server-supabase, @azure-devops/mcp, @heroku/mcp-server (exit without an account),
 * @executeautomation/database-server, @benborla29/mcp-server-mysql, @agent-infra/mcp-server-filesystem,
 * @gongrzhe/server-redis-mcp (exit at start-up without a database or an allowed directory).
 */
export const SERVERS: ServerSpec[] = [
  { package: '@modelcontextprotocol/server-filesystem', args: [SANDBOX] },
  { package: '@modelcontextprotocol/server-memory' },
  { package: '@modelcontextprotocol/server-everything', args: ['stdio'] },
  { package: '@modelcontextprotocol/server-sequential-thinking' },
  { package: '@modelcontextprotocol/server-github', env: { GITHUB_PERSONAL_ACCESS_TOKEN: FAKE } },
  { package: '@modelcontextprotocol/server-brave-search', env: { BRAVE_API_KEY: FAKE } },
  { package: '@modelcontextprotocol/server-slack', env: { SLACK_BOT_TOKEN: FAKE, SLACK_TEAM_ID: 'T000000' } },
  { package: '@modelcontextprotocol/server-gitlab', env: { GITLAB_PERSONAL_ACCESS_TOKEN: FAKE, GITLAB_API_URL: 'http://127.0.0.1:9/api/v4' } },
  { package: '@modelcontextprotocol/server-google-maps', env: { GOOGLE_MAPS_API_KEY: FAKE } },
  { package: '@modelcontextprotocol/server-postgres', args: ['postgresql://127.0.0.1:9/none'] },
  { package: '@modelcontextprotocol/server-puppeteer' },
  { package: '@modelcontextprotocol/server-everart', env: { EVERART_API_KEY: FAKE } },
  { package: '@modelcontextprotocol/server-aws-kb-retrieval', env: { AWS_ACCESS_KEY_ID: FAKE, AWS_SECRET_ACCESS_KEY: FAKE, AWS_REGION: 'us-east-1' } },
  { package: '@playwright/mcp' },
  { package: '@upstash/context7-mcp' },
  { package: '@notionhq/notion-mcp-server', env: { NOTION_TOKEN: FAKE } },
  { package: '@wonderwhy-er/desktop-commander' },
  { package: 'firecrawl-mcp', env: { FIRECRAWL_API_KEY: FAKE } },
  { package: 'tavily-mcp', env: { TAVILY_API_KEY: FAKE } },
  { package: 'exa-mcp-server', env: { EXA_API_KEY: FAKE } },
  { package: '@eslint/mcp' },
  { package: '@coo-quack/calc-mcp' },
  { package: '@antv/mcp-server-chart' },
  { package: '@cyanheads/git-mcp-server' },
  { package: 'mcp-server-kubernetes' },
  { package: '@browsermcp/mcp' },
  { package: '@kimtaeyoon83/mcp-server-youtube-transcript' },
  { package: '@dangahagan/weather-mcp' },
  { package: '@drawio/mcp' },
  { package: 'chrome-devtools-mcp' },
  { package: '@circleci/mcp-server-circleci', env: { CIRCLECI_TOKEN: FAKE } },
  { package: '@agent-infra/mcp-server-commands' },
  { package: '@hubspot/mcp-server', env: { PRIVATE_APP_ACCESS_TOKEN: FAKE } },
  // Added after the rules were written, to measure false positives on servers they were not tuned on.
  { package: '@agent-infra/mcp-server-browser' },
  { package: '@henkey/postgres-mcp-server', args: ['--connection-string', 'postgresql://127.0.0.1:9/none'] },
  { package: '@djankies/vitest-mcp' },
  { package: '@hisma/server-puppeteer' },
  { package: '@anaisbetts/mcp-installer' },
  { package: '@f4ww4z/mcp-mysql-server', env: { MYSQL_HOST: '127.0.0.1', MYSQL_USER: 'none', MYSQL_PASSWORD: '', MYSQL_DATABASE: 'none' } },
];

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'benign');
const TIMEOUT_MS = 30_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function installDir(root: string, pkg: string): string {
  return join(root, 'pkg', pkg.replace(/[@/]/g, '_'));
}

function ensureInstalled(root: string, pkg: string): string {
  const dir = installDir(root, pkg);
  if (!existsSync(join(dir, 'node_modules', pkg, 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    // --ignore-scripts: no postinstall may download browsers or binaries; listing tools needs none.
    execFileSync(
      'npm',
      ['i', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps', '--loglevel=error', pkg],
      { stdio: 'inherit', timeout: 300_000, env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } },
    );
  }
  return dir;
}

export function resolveBin(dir: string, spec: ServerSpec): { version: string; bin: string } {
  const pkgDir = join(dir, 'node_modules', spec.package);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
    main?: string;
  };
  let rel: string | undefined;
  if (typeof manifest.bin === 'string') rel = manifest.bin;
  else if (manifest.bin) rel = (spec.bin && manifest.bin[spec.bin]) ?? Object.values(manifest.bin)[0];
  rel ??= manifest.main;
  if (!rel) throw new Error(`${spec.package} has no bin`);
  return { version: manifest.version, bin: resolve(pkgDir, rel) };
}

async function capture(root: string, spec: ServerSpec): Promise<string> {
  const dir = ensureInstalled(root, spec.package);
  const { version, bin } = resolveBin(dir, spec);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: SANDBOX, NODE_ENV: 'production', ...spec.env };
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, ...(spec.args ?? [])], env, cwd: SANDBOX, stderr: 'ignore' });
  const client = new Client({ name: 'driftwatch-corpus-capture', version: '0.1.0' });
  const timer = setTimeout(() => void transport.close(), TIMEOUT_MS);
  try {
    await client.connect(transport, { timeout: TIMEOUT_MS });
    const tools: ToolInfo[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await client.listTools(cursor ? { cursor } : {}, { timeout: TIMEOUT_MS });
      for (const t of res.tools) {
        const parsed = ToolInfo.safeParse(t);
        if (parsed.success) tools.push(parsed.data);
      }
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    if (tools.length === 0) throw new Error('no tools');
    const file = join(OUT, `${spec.package.replace('/', '__')}@${version}.json`);
    const doc = { source: { package: spec.package, version, capturedAt: new Date().toISOString() }, tools };
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    return `${spec.package}@${version}: ${tools.length} tools`;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const root = arg('--dir') ?? '/tmp/corpus-servers';
  const only = arg('--only');
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SANDBOX, { recursive: true });
  let ok = 0;
  for (const spec of SERVERS) {
    if (only && spec.package !== only) continue;
    try {
      process.stdout.write(`ok   ${await capture(root, spec)}\n`);
      ok++;
    } catch (err) {
      process.stdout.write(`skip ${spec.package}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  process.stdout.write(`${ok} servers captured into ${OUT}\n`);
}

// Run only when invoked as a script, so the benchmarks can import the server list.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(0);
}
