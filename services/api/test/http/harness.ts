import { DriftwatchConfig } from '@driftwatch/core';
import { startHttpServer, type HttpServerHandle } from '@driftwatch/runtime';
import { createApi, type Api, type ApiHttpSettings, type ApiOperations, type Authenticator } from '../../src/index.js';
import { embeddedPorts, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { fakeAuthenticator } from './fake-authenticator.js';

export const CONFIG = {
  servers: [
    { id: 'mail', transport: 'stdio', command: 'node', args: ['mail.js'] },
    { id: 'search', transport: 'http', url: 'https://mcp.example.com/mcp' },
  ],
};

export interface Harness {
  api: Api;
  http: HttpServerHandle;
  ports: EmbeddedPorts;
  authenticator: Authenticator;
  url(path: string): string;
  /** fetch on the API with JSON in and out; `headers` are added to the request. */
  call(method: string, path: string, options?: { headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  anonymousRead?: boolean;
  operations?: ApiOperations;
  settings?: ApiHttpSettings;
  authenticator?: Authenticator;
  requestTimeoutMs?: number;
}

/** The API on the runtime's server on 127.0.0.1, port 0, with embedded ports behind it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ports = await embeddedPorts(CONFIG);
  // `api` is added to the config schema by the auth work; the API reads it structurally.
  const config = options.settings ? (Object.assign({}, DriftwatchConfig.parse(CONFIG), { api: options.settings }) as DriftwatchConfig) : ports.config;
  const authenticator = options.authenticator ?? fakeAuthenticator();
  const api = await createApi({
    ...ports,
    config,
    authenticator,
    anonymousRead: options.anonymousRead ?? false,
    ...(options.operations ? { operations: options.operations } : {}),
  });
  const http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger: ports.logger,
    metrics: ports.metrics,
    isReady: () => true,
    handler: api.handler,
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs, headersTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const url = (path: string) => `http://127.0.0.1:${http.port}${path}`;
  return {
    api,
    http,
    ports,
    authenticator,
    url,
    async call(method, path, { headers = {}, body } = {}) {
      const r = await fetch(url(path), { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body } : {}) });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (an event stream): keep the text
      }
      return { status: r.status, headers: r.headers, body: parsed };
    },
    async close() {
      await api.close();
      await http.close();
      await ports.close();
    },
  };
}
