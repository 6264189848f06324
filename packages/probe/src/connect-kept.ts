import type { StdioServerConfig, TransportFacts } from '@driftwatch/core';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { closeQuietly, connectStdio, type Connected } from './connect.js';
import type { ProbeContext } from './context.js';
import { launchKey, type KeptSession, type StdioSessions } from './stdio-sessions.js';

/**
 * Longest wait for a kept server's `ping` (also at most a fifth of the poll's timeout): a server
 * that does not answer in time is stopped and started afresh within the same poll.
 */
const PING_BOUND_MS = 2_000;

/**
 * True when the server answered the ping, even with a JSON-RPC error (a server without a ping
 * handler is alive). A timeout or a closed connection is no answer.
 */
function answered(error: unknown): boolean {
  return error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed;
}

/**
 * connectStdio for a server with `keepConnected`: reuses the server's kept session when it is
 * alive, unchanged, young enough and answers a `ping`; otherwise starts the server and keeps the
 * new session. Either way the session goes back to `sessions` if the poll succeeds (the probe
 * sets `ctx.succeeded`) and is stopped if it fails, so a poll that saw something wrong never
 * leaves that process running.
 */
export async function connectKept(
  server: StdioServerConfig,
  ctx: ProbeContext,
  facts: Partial<TransportFacts>,
  sessions: StdioSessions,
  log?: Logger,
): Promise<Connected> {
  const taken = sessions.take(server);
  if ('session' in taken) {
    const session = taken.session;
    session.stdio.bind(ctx);
    facts.sandbox = session.sandbox;
    try {
      await ctx.request((o) => session.connected.client.ping({ ...o, timeout: Math.min(o.timeout, PING_BOUND_MS, (server.timeout * 1000) / 5) }));
    } catch (error) {
      if (!answered(error)) {
        void sessions.discard(session);
        if (ctx.failure) throw error;
        log?.info({ polls: session.polls }, 'kept stdio server did not answer a ping; restarting it');
        return start();
      }
    }
    ctx.onDispose(() => settle(session));
    session.polls += 1;
    return session.connected;
  }
  if (taken.reason !== 'none') log?.info({ reason: taken.reason }, 'restarting kept stdio server');
  return start();

  async function start(): Promise<Connected> {
    let session: KeptSession | undefined;
    const connected = await connectStdio(server, ctx, facts, (client) => (session ? settle(session) : closeQuietly(client)));
    session = sessions.adopt({
      serverId: server.id,
      key: launchKey(server),
      connected,
      stdio: connected.stdio,
      sandbox: connected.sandbox,
      maxResponseBytes: ctx.maxResponseBytes,
    });
    return connected;
  }

  function settle(session: KeptSession): Promise<void> | void {
    if (ctx.succeeded) sessions.give(session, server);
    else return sessions.discard(session);
  }
}
