import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function start(server: Server, scheme: 'http' | 'https', path = '/mcp'): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}${path}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server with a hand-written handler (for misbehaviour the SDK would not produce). */
export function startRawHttp(handler: RequestListener, path = '/mcp'): Promise<Running> {
  return start(createServer(handler), 'http', path);
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = await startRawHttp(() => undefined);
  await s.close();
  return s.port;
}

/** A self-signed certificate for 127.0.0.1, made with openssl; undefined when openssl is missing. */
export function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = tempDir();
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

export function startHttps(tls: { key: string; cert: string }, handler: RequestListener): Promise<Running> {
  return start(createHttpsServer(tls, handler) as unknown as Server, 'https');
}

export interface Recording extends Running {
  /** TCP connections accepted so far (a refused probe must leave this at 0). */
  readonly connections: number;
  /** Requests seen, with the Host header each carried. */
  readonly requests: Array<{ method: string; url: string; host: string | undefined }>;
  /** TLS server names (SNI) clients asked for (https only). */
  readonly serverNames: string[];
}

function record(server: Server, running: Running, serverNames: string[] = []): Recording {
  let connections = 0;
  const requests: Recording['requests'] = [];
  server.on('connection', () => (connections += 1));
  server.prependListener('request', (req) => requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host }));
  return {
    ...running,
    get connections() {
      return connections;
    },
    requests,
    serverNames,
  };
}

/** startRawHttp that counts connections and records requests. */
export async function startRecordingHttp(handler: RequestListener, path = '/mcp'): Promise<Recording> {
  const server = createServer(handler);
  return record(server, await start(server, 'http', path));
}

/** startHttps that counts connections and records the SNI names asked for. */
export async function startRecordingHttps(tls: { key: string; cert: string }, handler: RequestListener): Promise<Recording> {
  const serverNames: string[] = [];
  const context = createSecureContext(tls);
  const server = createHttpsServer(
    {
      ...tls,
      SNICallback: (name, cb) => {
        serverNames.push(name);
        cb(null, context);
      },
    },
    handler,
  ) as unknown as Server;
  return record(server, await start(server, 'https'), serverNames);
}

/**
 * A recording pass-through to an HTTP fixture on 127.0.0.1 (streams both ways, so SSE works):
 * shows which Host header and how many connections reached the fixture.
 */
export function startRecordingProxy(target: string): Promise<Recording> {
  const port = Number(new URL(target).port);
  return startRecordingHttp((req, res) => {
    const up = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }, new URL(target).pathname);
}
