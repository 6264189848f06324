import { z } from 'zod';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AllowlistClient } from './allowlist-client.js';
import { allowedTools, checkToolCall, type Decision } from './check.js';

/** JSON-RPC error code of a refusal (the implementation-defined server-error range). */
export const REFUSED = -32003;

/** Pages a listing may take before the gateway gives up and refuses (a looping cursor). */
const MAX_PAGES = 100;

/** Accepts any result: the definitions are fingerprinted as the server sent them, not as an SDK schema reshaped them. */
const RawToolsPage = z.looseObject({ tools: z.array(z.unknown()).optional(), nextCursor: z.unknown().optional() });

export interface GatewayOptions {
  /** The Driftwatch server id of the upstream this gateway fronts. */
  serverId: string;
  /** A connected SDK client to the upstream MCP server. */
  upstream: Client;
  allowlist: AllowlistClient;
  /** Called for every tools/call decision (log it, count it). */
  onDecision?: (decision: Decision & { serverId: string; tool: string }) => void;
}

/** Every tool definition the upstream lists now, raw, all pages. */
export async function listUpstreamTools(upstream: Client): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await upstream.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, RawToolsPage);
    tools.push(...(res.tools ?? []));
    if (typeof res.nextCursor !== 'string') return tools;
    cursor = res.nextCursor;
  }
  throw new Error(`tools/list did not end within ${MAX_PAGES} pages`);
}

/**
 * An MCP server that fronts one upstream server for an agent and enforces the Driftwatch
 * allowlist:
 * - tools/list answers with the upstream's tools whose live definition is approved, so a
 *   swapped or rejected description never reaches the model;
 * - tools/call lists the upstream's tools afresh, recomputes the called tool's fingerprint
 *   (`gatewayToolFingerprint` from @driftwatch/core) and forwards the call only when the server
 *   is allowed and that fingerprint is the one the allowlist pins; otherwise it answers with a
 *   JSON-RPC error (code REFUSED, `data.code` the reason) and the upstream never sees the call.
 * Fails closed: no current allowlist, a listing that fails, an unknown server → refused.
 */
export function createGatewayServer(options: GatewayOptions): Server {
  const { serverId, upstream, allowlist } = options;
  const server = new Server({ name: `driftwatch-gateway:${serverId}`, version: '0.1.0' }, { capabilities: { tools: {} } });

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const live = await listUpstreamTools(upstream);
    return { tools: allowedTools(allowlist.current(), serverId, live) as Tool[] };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = request.params.name;
    let decision: Decision;
    try {
      decision = checkToolCall(allowlist.current(), serverId, tool, await listUpstreamTools(upstream));
    } catch (err) {
      decision = { allowed: false, code: 'tool_not_listed', message: `could not list the tools of "${serverId}": ${(err as Error).message}` };
    }
    options.onDecision?.({ ...decision, serverId, tool });
    if (!decision.allowed) throw new McpError(REFUSED, `refused by the Driftwatch allowlist: ${decision.message}`, { code: decision.code });
    // What runs may still differ from what was checked if the upstream swaps it in between;
    // the next call is checked again, and Driftwatch's own polls see the swap.
    return upstream.callTool(request.params);
  });

  return server;
}
