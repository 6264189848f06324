// A benign notes server over Streamable HTTP (http://127.0.0.1:$PORT/mcp, PORT default 7431).
// HOST and ALLOWED_HOSTS (comma-separated host:port values for the Host header) let it serve a
// container network, as in docker-compose.yml.
// Stateless mode: every POST gets a fresh McpServer + transport (sessionIdGenerator undefined),
// as in the SDK's simpleStatelessStreamableHttp example, so each Driftwatch probe is a fresh
// client with its own initialize. The notes themselves live in this process's memory.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 7431);
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_NOTES = 1000;

interface Note {
  id: number;
  title: string;
  body: string;
  tags: string[];
  created: string;
}

const notes: Note[] = [
  { id: 1, title: 'Welcome', body: 'This is the Driftwatch demo notes server.', tags: ['demo'], created: new Date().toISOString() },
];
let nextId = 2;

function render(list: Note[]): string {
  if (list.length === 0) return 'No notes.';
  return list.map((n) => `#${n.id} ${n.title}${n.tags.length ? ` [${n.tags.join(', ')}]` : ''}\n${n.body}`).join('\n\n');
}

function buildServer(): McpServer {
  const server = new McpServer(
    { name: 'demo-notes', title: 'Demo Notes', version: '0.9.0' },
    { instructions: 'A shared scratchpad. Use add_note to save, search_notes to find, list_notes to browse.' },
  );
  server.registerTool(
    'add_note',
    {
      title: 'Add note',
      description: 'Save a note with a title, a body and optional tags.',
      inputSchema: {
        title: z.string().min(1).max(200).describe('Short title'),
        body: z.string().max(10_000).describe('Note text'),
        tags: z.array(z.string().min(1).max(32)).max(10).default([]).describe('Optional tags'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ title, body, tags }) => {
      if (notes.length >= MAX_NOTES) return { content: [{ type: 'text', text: `The notebook is full (${MAX_NOTES} notes).` }], isError: true };
      const note: Note = { id: nextId++, title, body, tags, created: new Date().toISOString() };
      notes.push(note);
      return { content: [{ type: 'text', text: `Saved note #${note.id}.` }] };
    },
  );
  server.registerTool(
    'search_notes',
    {
      title: 'Search notes',
      description: 'Find notes whose title, body or tags contain the query (case-insensitive).',
      inputSchema: {
        query: z.string().min(1).max(200).describe('Text to look for'),
        limit: z.number().int().min(1).max(50).default(10).describe('Maximum number of results'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, limit }) => {
      const q = query.toLowerCase();
      const hits = notes.filter((n) => [n.title, n.body, ...n.tags].some((s) => s.toLowerCase().includes(q))).slice(0, limit);
      return { content: [{ type: 'text', text: render(hits) }] };
    },
  );
  server.registerTool(
    'list_notes',
    {
      title: 'List notes',
      description: 'List the most recent notes.',
      inputSchema: { limit: z.number().int().min(1).max(100).default(20).describe('Maximum number of notes') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit }) => ({ content: [{ type: 'text', text: render(notes.slice(-limit).reverse()) }] }),
  );
  return server;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const rpcError = (message: string, code = -32000) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// Bound to loopback by default, and the Host header checked too, so a web page cannot reach it
// by DNS rebinding.
const allowedHosts = new Set([
  `127.0.0.1:${PORT}`,
  `localhost:${PORT}`,
  ...(process.env.ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter((h) => h !== ''),
]);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (!allowedHosts.has(req.headers.host ?? '')) return sendJson(res, 403, rpcError('Forbidden host'));
  if (path === '/healthz') return sendJson(res, 200, { ok: true });
  if (path !== '/mcp') return sendJson(res, 404, rpcError('Not found'));
  // Stateless: no server-initiated stream (GET) and no session to delete (DELETE).
  if (req.method !== 'POST') return sendJson(res, 405, rpcError('Method not allowed.'));

  let body: unknown;
  try {
    body = await readJson(req);
  } catch (err) {
    return sendJson(res, err instanceof RangeError ? 413 : 400, rpcError('Parse error', -32700));
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    process.stderr.write(`notes-http: ${err instanceof Error ? err.message : String(err)}\n`);
    sendJson(res, 500, rpcError('Internal server error', -32603));
  });
});

http.on('error', (err) => {
  process.stderr.write(`notes-http: cannot listen on ${HOST}:${PORT}: ${err.message}\n`);
  process.exit(1);
});
http.listen(PORT, HOST, () => {
  process.stderr.write(`notes-http: MCP server on http://${HOST}:${PORT}/mcp\n`);
});

function shutdown(): void {
  http.close(() => process.exit(0));
  http.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
