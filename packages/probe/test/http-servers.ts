import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
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
