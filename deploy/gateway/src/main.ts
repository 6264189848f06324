/**
 * The example gateway as a process: an MCP server on stdio (what an agent's client launches)
 * fronting one upstream Streamable HTTP MCP server, enforcing the Driftwatch allowlist.
 *
 *   DRIFTWATCH_ALLOWLIST_URL=http://127.0.0.1:7420/v1/allowlist \
 *   DRIFTWATCH_TOKEN=dw_…            # a key or token with the read scope (optional on loopback)
 *   DRIFTWATCH_SERVER_ID=search      # the upstream's id in the Driftwatch catalog
 *   UPSTREAM_URL=https://mcp.example.com/mcp \
 *   node --import tsx deploy/gateway/src/main.ts
 *
 * Optional: ALLOWLIST_POLL_SECONDS (default 15), ALLOWLIST_MAX_AGE_SECONDS (default 300).
 * Decisions are logged as JSON lines on stderr (stdout carries the MCP protocol).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createAllowlistClient } from './allowlist-client.js';
import { createGatewayServer } from './gateway.js';

function required(name: string): string {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`${name} is required\n`);
    process.exit(2);
  }
  return v;
}

const log = (fields: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);

const serverId = required('DRIFTWATCH_SERVER_ID');
const allowlist = createAllowlistClient({
  url: required('DRIFTWATCH_ALLOWLIST_URL'),
  ...(process.env.DRIFTWATCH_TOKEN ? { authorization: `Bearer ${process.env.DRIFTWATCH_TOKEN}` } : {}),
  maxAgeMs: Number(process.env.ALLOWLIST_MAX_AGE_SECONDS ?? 300) * 1000,
});
try {
  await allowlist.refresh();
} catch (err) {
  // Not fatal: every call is refused until a fetch succeeds.
  log({ level: 'warn', msg: 'allowlist fetch failed', err: (err as Error).message });
}
allowlist.start(Number(process.env.ALLOWLIST_POLL_SECONDS ?? 15) * 1000, (err) => log({ level: 'warn', msg: 'allowlist fetch failed', err: (err as Error).message }));

const upstream = new Client({ name: 'driftwatch-gateway-example', version: '0.1.0' });
await upstream.connect(new StreamableHTTPClientTransport(new URL(required('UPSTREAM_URL'))));

const server = createGatewayServer({
  serverId,
  upstream,
  allowlist,
  onDecision: (d) => log({ level: d.allowed ? 'info' : 'warn', msg: d.allowed ? 'tool call allowed' : 'tool call refused', serverId: d.serverId, tool: d.tool, ...(d.allowed ? {} : { code: d.code, reason: d.message }) }),
});
await server.connect(new StdioServerTransport());
