// A fleet stdio server: the official SDK over stdio, serving `state.json` from its working
// directory (written by the benchmark; rewritten there, atomically, for the rug pull). Plain ESM
// so that each poll's spawn costs what a real Node MCP server's does, not a TypeScript loader's.
// The poller runs it in the stdio sandbox: the cwd is bound in read-only, /tmp is private.
import { readFileSync, watchFile } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

// Read on every tools/list, not once at start: with `keepConnected` one process serves many
// polls, and the rug pull must reach it as it would reach a server that turns while running.
const read = () => JSON.parse(readFileSync('state.json', 'utf8'));
const server = new Server({ name: read().name, version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: read().tools }));
await server.connect(new StdioServerTransport());
// As a server whose tools change while it runs says so: a client that keeps the connection
// (keepConnected) then polls at once instead of at its next interval.
watchFile('state.json', { interval: 250 }, () => void server.sendToolListChanged().catch(() => undefined));
