/**
 * Captures the benign half of the corpus: installs real MCP servers from npm into a directory
 * OUTSIDE the repository, starts each one over stdio with the official SDK client, lists its
 * tools and writes `test/corpus/benign/<package>@<version>.json`.
 *
 *   node --import tsx test/corpus/capture.ts [--dir /tmp/corpus-servers] [--only <package>] [--cohort issue-12|issue-12-holdout]
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
  /** Written into `source.cohort`: marks servers captured for a later round, reported apart. */
  cohort?: 'issue-12' | 'issue-12-holdout';
  /**
   * Files written into the sandbox before start-up (path relative to SANDBOX → content), for
   * servers that refuse to start without a config file. Placeholders only, never real secrets.
   */
  files?: Record<string, string>;
}

const FAKE = 'driftwatch-capture-placeholder-not-a-secret';
export const SANDBOX = '/tmp/corpus-servers/sandbox';

/** Placeholder Google OAuth client file, for servers that refuse to start without one. */
const GOOGLE_OAUTH_KEYS = JSON.stringify({
  installed: { client_id: 'driftwatch-capture-placeholder.apps.googleusercontent.com', client_secret: FAKE, redirect_uris: ['http://127.0.0.1:9/oauth2callback'] },
});

/** A kubeconfig whose only cluster is a closed loopback port: enough to start, never reached. */
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: none
  cluster:
    server: https://127.0.0.1:9
contexts:
- name: none
  context: { cluster: none, user: none }
current-context: none
users:
- name: none
  user:
    token: ${FAKE}
`;

/**
 * Added in issue 12: captured after the structural rules work began; false positives on these are
 * reported apart (`source.cohort: 'issue-12'`). Chosen by popularity and by category, with the
 * servers whose real job looks dangerous on purpose: shell and SSH execution, file systems, fetch
 * and scraping, git hosts, Kubernetes and cloud CLIs, SQL and NoSQL databases, browser and device
 * automation, servers that drive other tools or agents, mail and chat senders, code sandboxes and
 * password managers; plus large SaaS tool lists. Capture them alone with `--cohort issue-12`.
 *
 * Tried and left out, because they do not list tools offline or do not install here:
 * - native modules that --ignore-scripts leaves unbuilt: @mako10k/mcp-shell-server (node-pty),
 *   @bytebase/dbhub, mcp-sqlite, @pollinations/mcp-server-sqlite, mcp-server-sqlite-npx,
 *   mcp-memory-keeper (sqlite3 / better-sqlite3), octocode-mcp (its linux-x64 engine is not
 *   published for the version npm picks on Node 20);
 * - install fails on the registry: @j0hanz/filesystem-mcp, @connorbritain/mssql-mcp-server,
 *   parallax-agent-runtime, @doist/todoist-ai (a dependency version that does not exist),
 *   telnyx-mcp, @coingecko/coingecko-mcp (a dependency downloaded from GitHub);
 * - broken on Node 20 or missing a dependency: containerization-assist-mcp (needs Node 22),
 *   mcp-mongo-server, @supabase/mcp-server-postgrest, mcp-dataverse, @neondatabase/mcp-server-neon;
 * - need the real service or daemon to start: obsidian-mcp-server (Obsidian REST API),
 *   @leonardsellem/n8n-mcp-server (checks the n8n API), slack-mcp-server (calls Slack),
 *   @apify/actors-mcp-server (loads its tools from Apify), @stripe/mcp (proxies the remote server),
 *   mcp-postgres-full-access (connects first), docker-mcp, podman-mcp-server (Docker / Podman),
 *   @civic/passthrough-mcp-server (needs an upstream server);
 * - not a stdio server: mcp-hub and financial-modeling-prep-mcp-server (HTTP only),
 *   @cloudflare/playwright-mcp (a library for Workers), @0xshariq/docker-mcp-server (its bins
 *   are CLI wrappers), @modelcontextprotocol/server-gdrive (needs an `auth` run first).
 */
const ISSUE_12: ServerSpec[] = [
  // shell, terminal and remote command execution
  { package: 'mcp-server-commands' },
  { package: '@openai/codex-shell-tool-mcp' },
  { package: 'bash-command-mcp' },
  { package: 'just-bash-mcp' },
  { package: 'ssh-mcp' },
  { package: 'mcp-ssh-manager' },
  { package: 'mcp-cli', args: [SANDBOX] },
  // code execution sandboxes
  { package: 'mcp-server-code-runner' },
  { package: 'context-mode' },
  // file systems and local documents
  { package: 'fast-filesystem-mcp' },
  { package: 'mcp-ripgrep' },
  { package: '@negokaz/excel-mcp-server' },
  { package: '@sylphx/pdf-reader-mcp' },
  { package: '@modelcontextprotocol/server-pdf', args: ['--stdio', SANDBOX] },
  { package: 'mcp-obsidian', args: [SANDBOX] },
  // HTTP fetch, scraping and web search
  { package: 'mcp-fetch-server' },
  { package: '@kazuph/mcp-fetch' },
  { package: '@tokenizin/mcp-npx-fetch' },
  { package: 'fetcher-mcp' },
  { package: 'jina-mcp-tools' },
  { package: 'mcp-deepwiki' },
  { package: '@brightdata/mcp', env: { API_TOKEN: FAKE } },
  { package: 'hyperbrowser-mcp', env: { HYPERBROWSER_API_KEY: FAKE } },
  { package: 'duckduckgo-mcp-server' },
  { package: 'mcp-searxng', env: { SEARXNG_URL: 'http://127.0.0.1:9' } },
  { package: '@perplexity-ai/mcp-server', env: { PERPLEXITY_API_KEY: FAKE } },
  { package: '@brave/brave-search-mcp-server', env: { BRAVE_API_KEY: FAKE } },
  // git and git hosts
  { package: 'github-mcp-server', bin: 'github-mcp-server-mcp' },
  { package: '@zereight/mcp-gitlab', env: { GITLAB_PERSONAL_ACCESS_TOKEN: FAKE, GITLAB_API_URL: 'http://127.0.0.1:9/api/v4' } },
  { package: 'bitbucket-mcp', env: { BITBUCKET_TOKEN: FAKE, BITBUCKET_URL: 'http://127.0.0.1:9/2.0' } },
  { package: '@nexus2520/bitbucket-mcp-server', env: { BITBUCKET_USERNAME: 'none', BITBUCKET_TOKEN: FAKE, BITBUCKET_BASE_URL: 'http://127.0.0.1:9' } },
  { package: '@aashari/mcp-server-atlassian-bitbucket' },
  // Kubernetes, containers and cloud CLIs
  { package: 'kubernetes-mcp-server', env: { KUBECONFIG: `${SANDBOX}/kubeconfig.yaml` }, files: { 'kubeconfig.yaml': KUBECONFIG } },
  { package: 'argocd-mcp', args: ['stdio'], env: { ARGOCD_BASE_URL: 'http://127.0.0.1:9', ARGOCD_API_TOKEN: FAKE } },
  { package: 'mcp-server-docker' },
  { package: '@google-cloud/gcloud-mcp' },
  { package: '@google-cloud/cloud-run-mcp' },
  { package: '@google-cloud/storage-mcp' },
  { package: '@google-cloud/observability-mcp' },
  { package: '@azure/mcp', args: ['server', 'start'] },
  { package: '@cloudflare/mcp-server-cloudflare', args: ['run', '00000000000000000000000000000000'], env: { CLOUDFLARE_API_TOKEN: FAKE } },
  { package: '@digitalocean/mcp', env: { DIGITALOCEAN_API_TOKEN: FAKE } },
  { package: '@netlify/mcp' },
  { package: '@masonator/coolify-mcp', env: { COOLIFY_ACCESS_TOKEN: FAKE, COOLIFY_BASE_URL: 'http://127.0.0.1:9' } },
  { package: 'terraform-mcp-server' },
  // databases (SQL execution, NoSQL, search, vectors)
  { package: 'mongodb-mcp-server', env: { MDB_MCP_TELEMETRY: 'disabled', DO_NOT_TRACK: '1' } },
  { package: '@berthojoris/mcp-mysql-server', args: ['mysql://none:none@127.0.0.1:9/none'] },
  { package: 'mysql-mcp-server', env: { MYSQL_HOST: '127.0.0.1', MYSQL_PORT: '9', MYSQL_USER: 'none', MYSQL_PASSWORD: '', MYSQL_DATABASE: 'none' } },
  { package: 'mcp-postgres-server' },
  { package: '@ergut/mcp-bigquery-server', args: ['--project-id', 'none'] },
  { package: '@elastic/mcp-server-elasticsearch', env: { ES_URL: 'http://127.0.0.1:9', ES_API_KEY: FAKE } },
  { package: '@pinecone-database/mcp' },
  { package: 'airtable-mcp-server', env: { AIRTABLE_API_KEY: FAKE } },
  { package: '@easecloudio/mcp-metabase-server', env: { METABASE_URL: 'http://127.0.0.1:9', METABASE_API_KEY: FAKE } },
  // browser and device automation
  { package: '@executeautomation/playwright-mcp-server' },
  { package: '@automatalabs/mcp-server-playwright' },
  { package: 'puppeteer-mcp-server' },
  { package: '@angiejones/mcp-selenium' },
  { package: 'selenium-ai-agent' },
  { package: 'firefox-devtools-mcp' },
  { package: '@agentdeskai/browser-tools-mcp' },
  { package: '@browserbasehq/mcp-server-browserbase', env: { BROWSERBASE_API_KEY: FAKE, BROWSERBASE_PROJECT_ID: 'none' } },
  { package: '@mobilenext/mobile-mcp' },
  { package: 'ios-simulator-mcp' },
  // servers that orchestrate or call other tools and agents
  { package: '@kimuson/modular-mcp', args: [`${SANDBOX}/modular-mcp.json`], files: { 'modular-mcp.json': '{"mcpServers":{}}\n' } },
  { package: '@kkweon/agent-orchestrator-mcp' },
  { package: '@steipete/claude-code-mcp' },
  { package: 'codex-mcp-server' },
  { package: 'gemini-mcp-tool' },
  { package: 'converse-mcp-server' },
  { package: 'n8n-mcp' },
  // mail, chat and messaging senders
  { package: '@gongrzhe/server-gmail-autoauth-mcp', env: { GMAIL_OAUTH_PATH: `${SANDBOX}/gcp-oauth.keys.json`, GMAIL_CREDENTIALS_PATH: `${SANDBOX}/gmail-credentials.json` }, files: { 'gcp-oauth.keys.json': GOOGLE_OAUTH_KEYS } },
  { package: '@codefuturist/email-mcp', env: { MCP_EMAIL_ADDRESS: 'none@example.invalid', MCP_EMAIL_PASSWORD: FAKE, MCP_EMAIL_IMAP_HOST: '127.0.0.1', MCP_EMAIL_SMTP_HOST: '127.0.0.1' } },
  { package: 'mcp-mail-server', env: { IMAP_HOST: '127.0.0.1', IMAP_PORT: '9', IMAP_SECURE: 'false', SMTP_HOST: '127.0.0.1', SMTP_PORT: '9', SMTP_SECURE: 'false', EMAIL_USER: 'none', EMAIL_PASS: FAKE } },
  { package: '@skanda-yutori/mcp-send-email', env: { RESEND_API_KEY: FAKE } },
  { package: '@zencoderai/slack-mcp-server', env: { SLACK_BOT_TOKEN: FAKE, SLACK_TEAM_ID: 'T000000' } },
  { package: 'mcp-discord' },
  { package: '@floriscornel/teams-mcp' },
  { package: '@softeria/ms-365-mcp-server' },
  { package: '@line/line-bot-mcp-server', env: { CHANNEL_ACCESS_TOKEN: FAKE, DESTINATION_USER_ID: 'U0' } },
  { package: '@chatwork/mcp-server', env: { CHATWORK_API_TOKEN: FAKE } },
  { package: '@twilio-alpha/mcp', args: [`AC00000000000000000000000000000000/SK00000000000000000000000000000000:${FAKE}`] },
  // password managers and secrets
  { package: '@bitwarden/mcp-server' },
  { package: '@takescake/1password-mcp' },
  // large SaaS tool lists: observability, project management, accounting, hosting
  { package: '@sentry/mcp-server', env: { SENTRY_ACCESS_TOKEN: FAKE, SENTRY_HOST: '127.0.0.1:9' } },
  { package: '@launchdarkly/mcp-server', args: ['start', '--api-key', FAKE] },
  { package: '@leval/mcp-grafana', env: { GRAFANA_URL: 'http://127.0.0.1:9', GRAFANA_API_KEY: FAKE } },
  { package: '@winor30/mcp-server-datadog', env: { DATADOG_API_KEY: FAKE, DATADOG_APP_KEY: FAKE, DATADOG_SITE: '127.0.0.1' } },
  { package: 'sonarqube-mcp-server' },
  { package: '@codacy/codacy-mcp', env: { CODACY_ACCOUNT_TOKEN: FAKE } },
  { package: '@browserstack/mcp-server', env: { BROWSERSTACK_USERNAME: 'none', BROWSERSTACK_ACCESS_KEY: FAKE } },
  { package: '@postman/postman-mcp-server', env: { POSTMAN_API_KEY: FAKE } },
  { package: '@tiberriver256/mcp-server-azure-devops', env: { AZURE_DEVOPS_ORG_URL: 'http://127.0.0.1:9/none', AZURE_DEVOPS_AUTH_METHOD: 'pat', AZURE_DEVOPS_PAT: FAKE } },
  { package: '@aashari/mcp-server-atlassian-jira' },
  { package: '@shortcut/mcp', env: { SHORTCUT_API_TOKEN: FAKE } },
  { package: '@mondaydotcomorg/monday-api-mcp', args: ['-t', FAKE] },
  { package: '@roychri/mcp-server-asana', env: { ASANA_ACCESS_TOKEN: FAKE } },
  { package: '@makeplane/plane-mcp-server' },
  { package: '@larksuiteoapi/lark-mcp', args: ['mcp', '-a', 'cli_placeholder', '-s', FAKE] },
  { package: '@xeroapi/xero-mcp-server', env: { XERO_CLIENT_ID: FAKE, XERO_CLIENT_SECRET: FAKE } },
  { package: 'hostinger-api-mcp' },
  { package: '@cocal/google-calendar-mcp', env: { GOOGLE_OAUTH_CREDENTIALS: `${SANDBOX}/gcp-oauth.keys.json` }, files: { 'gcp-oauth.keys.json': GOOGLE_OAUTH_KEYS } },
  // everyday tools: maps, docs, design, memory, time
  { package: '@mapbox/mcp-server', env: { MAPBOX_ACCESS_TOKEN: FAKE } },
  { package: '@openbnb/mcp-server-airbnb' },
  { package: 'figma-developer-mcp', args: ['--stdio'], env: { FIGMA_API_KEY: FAKE, FRAMELINK_TELEMETRY: 'off', DO_NOT_TRACK: '1' } },
  { package: '@shopify/dev-mcp' },
  { package: 'nx-mcp' },
  { package: 'mcp-mermaid' },
  { package: '@itseasy21/mcp-knowledge-graph' },
  { package: 'time-mcp' },
];

/**
 * Holdout for issue 12: captured after the rules were tuned on the issue-12 cohort; nobody working
 * on the rules looked at these before measuring (`source.cohort: 'issue-12-holdout'`). Chosen by
 * download count and by category only, from packages with an `mcp` name or an MCP summary that
 * were in no earlier list, never by how a scanner treats them; typical servers (1–100 tools), no
 * OpenAPI-generated giant lists. Capture them alone with `--cohort issue-12-holdout`.
 *
 * Tried and left out, because they do not list tools offline or do not install here:
 * - install fails on the registry: @idachev/mcp-javadc, @just-every/mcp-read-website-fast,
 *   @jaggerxtrm/unified-ai-mcp-tool, @commercetools/commerce-mcp (a dependency version that does
 *   not exist), @atlassian-dc-mcp/jira, @atlassian-dc-mcp/confluence, @atlassian-dc-mcp/bitbucket
 *   (@atlassian-dc-mcp/common is not on the registry), s01-ssh-mcp, @shiharu/mcp-remote-ssh,
 *   @joshuarileydev/terminal-mcp-server (not on the registry);
 * - native modules that --ignore-scripts leaves unbuilt: twilio-mcp (better-sqlite3),
 *   proliferate-sandbox-mcp (node-pty), @cmd233/mcp-database-server (sqlite3);
 * - broken on Node 20 or missing a dependency: mcp-local-rag (apache-arrow), mcp-atlassian
 *   (jsdom), @shinzolabs/gmail-mcp (zod/v3 not exported by the zod npm picks),
 *   @dynatrace-oss/dynatrace-mcp-server (undici needs a newer Node), consult-llm-mcp (its bin is a
 *   shell script, not JavaScript), mysql-mcp (declares no tools capability), mcp-google-calendar
 *   (its tools/list answer fails the SDK's schema check: an inputSchema whose type is not object);
 * - need the real service or an account to start: @upstash/mcp-server (calls the Upstash API),
 *   github-enterprise-mcp-server, signoz-mcp-server, caldav-mcp, mcpfirestoredb,
 *   @coolver/home-assistant-mcp (connect first), @gannonh/firebase-mcp (a real service-account
 *   key), @a-bonus/google-docs-mcp (interactive OAuth), claude-talk-to-figma-mcp (git-clones its
 *   server from GitHub at start-up), obsidian-mcp (refuses vault paths under /tmp);
 * - not a stdio server: @apireno/domshell (HTTP, driven by a browser extension);
 * - a giant list: alibabacloud-devops-mcp-server (203 tools).
 */
const ISSUE_12_HOLDOUT: ServerSpec[] = [
  // shell, SSH, OS automation and debuggers
  { package: '@marian-craciunescu/ssh-mcp-server-secured' },
  { package: '@steipete/macos-automator-mcp' },
  { package: '@debugmcp/mcp-debugger' },
  { package: '@hyperdrive-eng/mcp-nodejs-debugger' },
  // file systems and documents
  { package: '@mcp-z/mcp-pdf' },
  { package: 'access-calibre' },
  { package: '@baruchiro/paperless-mcp', env: { PAPERLESS_URL: 'http://127.0.0.1:9', PAPERLESS_API_KEY: FAKE } },
  // HTTP fetch, scraping and web search
  { package: '@mzxrai/mcp-webresearch' },
  { package: 'mcp-omnisearch', env: { TAVILY_API_KEY: FAKE, BRAVE_API_KEY: FAKE, KAGI_API_KEY: FAKE, PERPLEXITY_API_KEY: FAKE, JINA_AI_API_KEY: FAKE, EXA_API_KEY: FAKE, FIRECRAWL_API_KEY: FAKE, FIRECRAWL_BASE_URL: 'http://127.0.0.1:9', GITHUB_API_KEY: FAKE } },
  { package: 'serper-search-scrape-mcp-server', env: { SERPER_API_KEY: FAKE } },
  { package: '@adenot/mcp-google-search', env: { GOOGLE_API_KEY: FAKE, GOOGLE_SEARCH_ENGINE_ID: 'none' } },
  { package: '@mcp-get-community/server-curl' },
  { package: 'mcp-fetch' },
  { package: 'mcp-server-fetch-typescript' },
  { package: '@deventerprisesoftware/scrapi-mcp' },
  { package: 'wikipedia-mcp' },
  { package: 'reddit-mcp-buddy' },
  // git and git hosts
  { package: 'mcp-git' },
  { package: 'coderabbitai-mcp', env: { GITHUB_PAT: FAKE } },
  // cloud, hosting, CI and infrastructure
  { package: 'vercel-mcp', args: [`VERCEL_API_KEY=${FAKE}`] },
  { package: '@niyogi/render-mcp', args: ['start'], env: { RENDER_API_KEY: FAKE } },
  { package: '@ahdev/dokploy-mcp', env: { DOKPLOY_URL: 'http://127.0.0.1:9/api', DOKPLOY_API_KEY: FAKE } },
  { package: 'gcp-mcp' },
  { package: '@opentofu/opentofu-mcp-server' },
  { package: '@mister-good-deal/host-mcp-jenkins', env: { JENKINS_URL: 'http://127.0.0.1:9', JENKINS_USER: 'none', JENKINS_API_TOKEN: FAKE } },
  { package: '@pnp/cli-microsoft365-mcp-server' },
  // databases (SQL, NoSQL, search, queues)
  { package: 'mssql-mcp-server' },
  { package: 'mcpcosmosdb' },
  { package: 'universal-db-mcp' },
  { package: '@bilims/mcp-sqlserver', env: { SQLSERVER_HOST: '127.0.0.1', SQLSERVER_PORT: '9', SQLSERVER_USER: 'none', SQLSERVER_PASSWORD: FAKE, SQLSERVER_DATABASE: 'none' } },
  { package: '@liangshanli/mcp-server-mysql' },
  { package: '@zeddotdev/postgres-context-server', env: { DATABASE_URL: 'postgresql://127.0.0.1:9/none' } },
  { package: 'enhanced-postgres-mcp-server', args: ['postgresql://127.0.0.1:9/none'] },
  { package: '@awesome-ai/elasticsearch-mcp', env: { ES_HOST: 'http://127.0.0.1:9', ES_API_KEY: FAKE } },
  { package: '@adamhancock/bullmq-mcp' },
  // browser and app automation
  { package: 'puppeteer-mcp-claude', args: ['serve'] },
  { package: 'agent-browser-mcp' },
  { package: 'electron-mcp-server' },
  { package: '@danielsogl/lighthouse-mcp' },
  // servers that orchestrate or call other tools and agents
  { package: 'mcp-shrimp-task-manager' },
  { package: '@kazuph/mcp-taskmanager' },
  { package: 'ask-gemini-mcp' },
  { package: 'agent-orchestrator-mcp-server', env: { AGENT_ORCHESTRATOR_BASE_URL: 'http://127.0.0.1:9', AGENT_ORCHESTRATOR_API_KEY: FAKE, SKIP_HEALTH_CHECKS: 'true' } },
  { package: '@illuminaresolutions/n8n-mcp-server' },
  { package: 'mcp-sequentialthinking-tools' },
  // mail, messaging and voice agents
  { package: 'icloud-mcp', env: { IMAP_USER: 'none@example.invalid', IMAP_PASSWORD: FAKE } },
  { package: 'resend-mcp', env: { RESEND_API_KEY: FAKE } },
  { package: '@vapi-ai/mcp-server', env: { VAPI_TOKEN: FAKE } },
  { package: '@abhaybabbar/retellai-mcp-server', env: { RETELL_API_KEY: FAKE } },
  // calendars, tasks, notes and knowledge bases
  { package: 'todoist-mcp', env: { API_KEY: FAKE } },
  { package: 'motionmcp', env: { MOTION_API_KEY: FAKE } },
  { package: '@delorenj/mcp-server-trello', env: { TRELLO_API_KEY: FAKE, TRELLO_TOKEN: FAKE } },
  { package: 'notion-mcp-server', env: { NOTION_TOKEN: FAKE, NOTION_PAGE_ID: '00000000000000000000000000000000' } },
  { package: '@karakeep/mcp' },
  { package: '@mem0/mcp-server', env: { MEM0_API_KEY: FAKE } },
  // payments, CRM, marketing and e-commerce
  { package: '@paddle/paddle-mcp', env: { PADDLE_API_KEY: FAKE, PADDLE_ENVIRONMENT: 'sandbox' } },
  { package: 'shopify-mcp', env: { SHOPIFY_ACCESS_TOKEN: FAKE, MYSHOPIFY_DOMAIN: 'none.myshopify.com' } },
  { package: '@lockon0927/woocommerce-mcp', env: { WORDPRESS_SITE_URL: 'http://127.0.0.1:9', WOOCOMMERCE_CONSUMER_KEY: FAKE, WOOCOMMERCE_CONSUMER_SECRET: FAKE } },
  { package: 'attio-mcp' },
  { package: '@tsmztech/mcp-server-salesforce' },
  { package: '@iterable/mcp', env: { ITERABLE_API_KEY: FAKE } },
  { package: '@mcpfun/mcp-server-ccxt' },
  // observability
  { package: '@rollbar/mcp-server', env: { ROLLBAR_ACCESS_TOKEN: FAKE } },
  { package: 'datadog-mcp-server', env: { DD_API_KEY: FAKE, DD_APP_KEY: FAKE, DD_SITE: '127.0.0.1' } },
  { package: 'prometheus-mcp', args: ['stdio'], env: { PROMETHEUS_URL: 'http://127.0.0.1:9' } },
  { package: 'mcp-alertmanager', args: ['--url', 'http://127.0.0.1:9'] },
  { package: 'autotel-mcp' },
  { package: '@microsoft/clarity-mcp-server' },
  // design, diagrams and charts
  { package: 'figma-mcp' },
  { package: '@sethdouglasford/mcp-figma' },
  { package: '@k-jarzyna/mcp-miro' },
  { package: 'excalidraw-mcp' },
  { package: 'drawio-mcp-server' },
  { package: 'mcp-echarts' },
  // AI and ML platforms, local models
  { package: '@llmindset/hf-mcp-server' },
  { package: 'replicate-mcp', env: { REPLICATE_API_TOKEN: FAKE } },
  { package: 'ollama-mcp' },
  { package: '@arikusi/deepseek-mcp-server', env: { DEEPSEEK_API_KEY: FAKE } },
  { package: '@z_ai/mcp-server', env: { Z_AI_API_KEY: FAKE } },
  { package: 'mcp-image' },
  { package: '@houtini/lm' },
  // maps, travel and weather
  { package: '@amap/amap-maps-mcp-server', env: { AMAP_MAPS_API_KEY: FAKE } },
  { package: '@baidumap/mcp-server-baidu-map', env: { BAIDU_MAP_API_KEY: FAKE } },
  { package: '@cablate/mcp-google-map', args: ['--stdio'], env: { GOOGLE_MAPS_API_KEY: FAKE } },
  { package: '@mapbox/mcp-devkit-server' },
  { package: 'open-meteo-mcp-server' },
  { package: '@h1deya/mcp-server-weather' },
  { package: 'flightradar-mcp-server' },
  { package: '@variflight-ai/variflight-mcp' },
  { package: '@gongrzhe/server-travelplanner-mcp' },
  { package: 'hotelzero' },
];

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
  { package: '@f4ww4z/mcp-mysql-server', env: { MYSQL_HOST: '127.0.0.1', MYSQL_USER: 'none', MYSQL_PASSWORD: '', MYSQL_DATABASE: 'none' } },  // Added in issue 12: captured after the structural rules work began; false positives on these are reported apart.
  ...ISSUE_12.map((spec): ServerSpec => ({ ...spec, cohort: 'issue-12' })),
  // Holdout for issue 12: captured after the rules were tuned on the issue-12 cohort; nobody working on the rules looked at these before measuring.
  ...ISSUE_12_HOLDOUT.map((spec): ServerSpec => ({ ...spec, cohort: 'issue-12-holdout' })),
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
  for (const [rel, content] of Object.entries(spec.files ?? {})) {
    const file = join(SANDBOX, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
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
    const source = { package: spec.package, version, capturedAt: new Date().toISOString(), ...(spec.cohort ? { cohort: spec.cohort } : {}) };
    const doc = { source, tools };
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
  const cohort = arg('--cohort');
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SANDBOX, { recursive: true });
  let ok = 0;
  for (const spec of SERVERS) {
    if (only && spec.package !== only) continue;
    if (cohort && spec.cohort !== cohort) continue;
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
