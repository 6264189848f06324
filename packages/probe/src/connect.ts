import type { HttpServerConfig, StdioServerConfig, TransportFacts } from '@driftwatch/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { boundedFetch } from './bounded-fetch.js';
import { classify } from './classify.js';
import type { ProbeContext } from './context.js';
import type { Egress } from './egress.js';
import { excerpt, ProbeError } from './failure.js';
import { ObservedTransport } from './observed-transport.js';
import { planLaunch } from './sandbox/index.js';
import { BoundedStdioTransport } from './stdio-transport.js';

export const CLIENT_INFO = { name: 'driftwatch', version: '0.1.0' } as const;

export interface Connected {
  client: Client;
  transport: ObservedTransport;
  kind: TransportFacts['kind'];
}

export async function closeQuietly(client: Client): Promise<void> {
  try {
    await client.close();
  } catch {
    // closing is best effort; the stdio transport kills the process group regardless
  }
}

let ajv: AjvJsonSchemaValidator | undefined;
/**
 * One validator set-up for every probe of the thread. Without it each SDK Client builds its own
 * Ajv instance with its formats (about a millisecond of CPU per probe) for nothing: the probe
 * never calls a tool and lists through client.request, so the Client never compiles a tool's
 * outputSchema (only its listTools does). Made on first use, which no probe makes today.
 */
const SHARED_VALIDATOR: jsonSchemaValidator = {
  getValidator: (schema) => (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

/**
 * Connects a fresh SDK Client over `inner` and runs the initialize handshake, within the deadline.
 * `release` runs when the probe ends (default: close the client, which stops a stdio server).
 */
async function handshake(
  ctx: ProbeContext,
  inner: Transport,
  kind: TransportFacts['kind'],
  release: (client: Client) => Promise<void> | void = closeQuietly,
): Promise<Connected> {
  const client = new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: SHARED_VALIDATOR });
  const transport = new ObservedTransport(inner);
  ctx.onDispose(() => release(client));
  // Errors also reach the pending request; the default handler would only log them.
  client.onerror = () => undefined;
  await ctx.request((options) => client.connect(transport, options));
  return { client, transport, kind };
}

/**
 * Starts the server as its catalog entry's `sandbox` says (see sandbox/) and records how in
 * `facts.sandbox` as soon as that is decided, so a failed probe reports it too.
 */
export async function connectStdio(
  server: StdioServerConfig,
  ctx: ProbeContext,
  facts?: Partial<TransportFacts>,
  release?: (client: Client) => Promise<void> | void,
): Promise<Connected & { stdio: BoundedStdioTransport; sandbox: TransportFacts['sandbox'] }> {
  const launch = await planLaunch(server);
  if (facts) facts.sandbox = launch.facts;
  // The self-test may have outlasted the probe: start nothing that no disposer would stop.
  if (ctx.signal.aborted) throw new ProbeError('internal', 'probe ended before the server was started');
  const stdio = new BoundedStdioTransport(launch, ctx);
  return { ...(await handshake(ctx, stdio, 'stdio', release)), stdio, sandbox: launch.facts };
}


/**
 * Streamable HTTP first; if the initialize POST is answered with a 4xx other than 401/403
 * (auth is not a transport mismatch), fall back to the old HTTP+SSE transport, as the spec's
 * backwards-compatibility section describes.
 */
export async function connectHttp(server: HttpServerConfig, ctx: ProbeContext, egress: Egress): Promise<Connected> {
  const { url, headers } = splitCredentials(server.url, server.headers);
  const fetch = boundedFetch({
    signal: ctx.signal,
    dispatcherFor: (u, fresh) => egress.dispatcherFor(u, fresh),
    maxBytes: ctx.maxResponseBytes,
    countBytes: (n) => ctx.countBytes(n),
    onTooLarge: (message) => ctx.fail('too_large', message),
    onRedirect: (message) => egress.fail('redirect', message),
    onResponse: (method, status) => {
      if (method === 'POST' && ctx.firstPostStatus === undefined) ctx.firstPostStatus = status;
    },
    onNetworkError: (e) => {
      if (ctx.signal.aborted) return;
      const err = e as { message?: string; cause?: { code?: string; message?: string } };
      ctx.networkError = { code: err.cause?.code, message: err.cause?.message ?? err.message ?? String(e) };
    },
  });
  const requestInit: RequestInit = { headers };

  let status: number | undefined;
  try {
    return await handshake(
      ctx,
      new StreamableHTTPClientTransport(url, {
        fetch,
        requestInit,
        // One probe, one attempt: no background reconnection timers.
        reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
      }),
      'streamable-http',
    );
  } catch (e) {
    status = e instanceof StreamableHTTPError ? e.code : undefined;
    const fallBack = status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403;
    if (!fallBack || ctx.failure) {
      if (e instanceof StreamableHTTPError && (status === undefined || status < 100)) {
        throw new ProbeError('protocol_error', `not a Streamable HTTP answer: ${excerpt(e.message)}`);
      }
      throw e;
    }
  }

  ctx.networkError = undefined;
  try {
    return await handshake(ctx, new SSEClientTransport(url, { fetch, requestInit}), 'sse');
  } catch (e) {
    if (ctx.failure) throw e;
    const f = classify(e, ctx, 'connect');
    throw new ProbeError(f.code, `Streamable HTTP answered HTTP ${status}; SSE fallback failed: ${f.reason}`);
  }
}

/**
 * fetch refuses URLs with userinfo; like curl, send it as HTTP Basic auth instead (unless an
 * Authorization header is configured) and keep it out of the URL.
 */
export function splitCredentials(raw: string, configured: Record<string, string>): { url: URL; headers: Record<string, string> } {
  const url = new URL(raw);
  const headers = { ...configured };
  if (url.username || url.password) {
    const hasAuth = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
    if (!hasAuth) {
      const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}
