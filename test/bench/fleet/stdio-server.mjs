// A fleet stdio server: the official SDK over stdio, serving `state.json` from its working
// directory (written by the benchmark; rewritten there, atomically, for the rug pull). Plain ESM
// so that each poll's spawn costs what a real Node MCP server's does, not a TypeScript loader's.
// The poller runs it in the stdio sandbox: the cwd is bound in read-only, /tmp is private.
import { readFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const state = JSON.parse(readFileSync('state.json', 'utf8'));
const server = new Server({ name: state.name, version: '1.0.0' }, { capabilities: { tools: { listChanged: false } } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: state.tools }));
await server.connect(new StdioServerTransport());
