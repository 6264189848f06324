import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ProbeContext } from './context.js';
import { excerpt, ProbeError, type Failure } from './failure.js';

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME|ALTNAME|ERR_SSL/i;
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The network error code behind a fetch failure (`TypeError: fetch failed`, cause: {code}). */
export function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isZodError(e: unknown): e is { issues: Array<{ path: PropertyKey[]; message: string }> } {
  return !!e && typeof e === 'object' && Array.isArray((e as { issues?: unknown }).issues);
}

export function summarizeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = 3): string {
  const parts = issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  if (issues.length > max) parts.push(`and ${issues.length - max} more`);
  return excerpt(parts.join('; '), 400);
}

/**
 * A ProbeError thrown from inside fetch arrives wrapped (`TypeError: fetch failed`, cause: the
 * guard's `blocked_address`); its own code is the right one.
 */
function probeErrorIn(error: unknown): ProbeError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    if (e instanceof ProbeError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns anything thrown while probing into a failure code and a short human reason. */
export function classify(error: unknown, ctx: ProbeContext, phase: 'connect' | 'list'): Failure {
  if (ctx.failure) return ctx.failure;
  const own = probeErrorIn(error);
  if (own) return { code: own.code, reason: ctx.scrub(own.message) };
  const fail = (code: Failure['code'], reason: string): Failure => ({ code, reason: ctx.scrub(reason) });

  const net = networkCode(error) ?? ctx.networkError?.code;
  const statusCode = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if ((name === 'StreamableHTTPError' || name === 'SseError' || /^(Streamable HTTP|SSE) error/.test(String((error as Error)?.message))) &&
      typeof statusCode === 'number' && statusCode >= 100) {
    return fail('http_error', `server answered HTTP ${statusCode}`);
  }
  if (net && TLS_CODES.test(net)) return fail('tls_error', `TLS handshake failed: ${net}`);
  if (net && CONNECT_CODES.has(net)) return fail('connect_failed', `cannot connect: ${net}`);

  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return fail('timeout', `no answer within ${ctx.timeoutMs} ms`);
    if (error.code === ErrorCode.ConnectionClosed) return fail('connect_failed', closedReason(ctx, phase));
    return fail('protocol_error', `server returned error ${error.code}: ${excerpt(error.message)}`);
  }
  if (isZodError(error)) {
    return fail('protocol_error', `${phase === 'connect' ? 'initialize result' : 'answer'} rejected by the MCP schema: ${summarizeIssues(error.issues)}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/protocol version is not supported/i.test(message)) return fail('protocol_error', excerpt(message));
  if (/not connected|server process is not running/i.test(message)) return fail('connect_failed', closedReason(ctx, phase));
  if (ctx.networkError) return fail('connect_failed', `cannot connect: ${excerpt(ctx.networkError.message)}`);
  return fail('internal', `unexpected error: ${excerpt(message)}`);
}

function closedReason(ctx: ProbeContext, phase: 'connect' | 'list'): string {
  const when = phase === 'connect' || !ctx.handshakeDone ? 'during the handshake' : 'while listing';
  const bad = ctx.badLines > 0 ? `; stdout carried ${ctx.badLines} non-JSON-RPC line(s), e.g. "${ctx.badLineSample}"` : '';
  return `server closed the connection ${when}${ctx.exitNote ?? ''}${bad}${ctx.stderrNote()}`;
}
