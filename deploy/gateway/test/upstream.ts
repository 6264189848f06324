import { createServer } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { listen, type RunningServer } from '../../../test/fixtures/servers/http-util.js';

export interface Upstream extends RunningServer {
  /** Rewrite to change what the server lists (a silent swap). */
  tools: Tool[];
  /** Every tools/call that reached the server, by tool name. */
  calls: string[];
}

/**
 * A real MCP server over Streamable HTTP on 127.0.0.1 (stateless: a fresh SDK server per
 * request) that lists `tools` as they are at that moment and answers every call with its name.
 */
export async function startUpstream(tools: Tool[]): Promise<Upstream> {
  const state = { tools, calls: [] as string[] };
  const http = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    void (async () => {
      const server = new Server({ name: 'upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: state.tools }));
      server.setRequestHandler(CallToolRequestSchema, (r) => {
        state.calls.push(r.params.name);
        return { content: [{ type: 'text', text: `${r.params.name} ran` }] };
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close().catch(() => undefined);
        void server.close().catch(() => undefined);
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const running = await listen(http, 0, '/mcp');
  return Object.assign(state, running) as Upstream;
}
