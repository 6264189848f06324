// Shared start-up for the stdio demo servers: connect, and exit cleanly when the client closes
// stdin or the process is signalled (the poller spawns a fresh process per probe).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export async function serveStdio(server: McpServer): Promise<void> {
  const transport = new StdioServerTransport();
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await server.connect(transport);
}
