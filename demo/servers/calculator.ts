// A benign calculator (stdio). Pure arithmetic; no state, no I/O.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { serveStdio } from './stdio.js';

const server = new McpServer({ name: 'demo-calculator', title: 'Demo Calculator', version: '2.0.1' });

const pair = {
  a: z.number().describe('First operand'),
  b: z.number().describe('Second operand'),
};
const pure = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

function result(value: number): { content: Array<{ type: 'text'; text: string }>; isError?: boolean } {
  if (!Number.isFinite(value)) return { content: [{ type: 'text', text: 'The result is not a finite number.' }], isError: true };
  return { content: [{ type: 'text', text: String(value) }] };
}

server.registerTool('add', { title: 'Add', description: 'Add two numbers.', inputSchema: pair, annotations: pure }, async ({ a, b }) => result(a + b));
server.registerTool('subtract', { title: 'Subtract', description: 'Subtract b from a.', inputSchema: pair, annotations: pure }, async ({ a, b }) =>
  result(a - b),
);
server.registerTool('multiply', { title: 'Multiply', description: 'Multiply two numbers.', inputSchema: pair, annotations: pure }, async ({ a, b }) =>
  result(a * b),
);
server.registerTool('divide', { title: 'Divide', description: 'Divide a by b. Fails when b is zero.', inputSchema: pair, annotations: pure }, async ({ a, b }) =>
  b === 0 ? { content: [{ type: 'text', text: 'Cannot divide by zero.' }], isError: true } : result(a / b),
);

await serveStdio(server);
