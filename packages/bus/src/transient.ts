// Tells "a dependency (Redis, Kafka, the network) is down" apart from "this message cannot be
// handled": only the latter should ever reach a dead-letter topic.

/** Wrappers are walked this deep (cause chains, AggregateError.errors): enough, and cycle-proof. */
const MAX_DEPTH = 5;

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

const KAFKAJS_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
]);

const NAMES = new Set(['MaxRetriesPerRequestError', 'StoreUnavailableError', ...KAFKAJS_NAMES]);

// ioredis throws these as plain Errors: matched exactly, since e.g. an MCP client's "Connection
// closed" is about the watched server, not about our own dependencies.
const IOREDIS_MESSAGES = new Set([
  'Connection is closed.',
  'Command timed out',
  "Stream isn't writeable and enableOfflineQueue options is false",
]);

/** True when `error` (or something it wraps) says a dependency is unavailable, not that the input is bad. */
export function isInfrastructureError(error: unknown): boolean {
  try {
    return check(error, 0);
  } catch {
    // A throwing getter on something thrown: treat it as an ordinary failure, never crash the retry loop.
    return false;
  }
}

function check(error: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; retriable?: unknown; infrastructure?: unknown; cause?: unknown; errors?: unknown };
  if (e.infrastructure === true) return true;
  const name = typeof e.name === 'string' ? e.name : '';
  if (NAMES.has(name)) return true;
  if (name.startsWith('KafkaJS') && e.retriable === true) return true;
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return true;
  if (typeof e.message === 'string') {
    if (IOREDIS_MESSAGES.has(e.message) || e.message.startsWith('Reached the max retries per request limit')) return true;
  }
  if (check(e.cause, depth + 1)) return true;
  // Only aggregates: a ZodError also has an `errors` array, of issues about the message.
  if ((error instanceof AggregateError || name.endsWith('AggregateError')) && Array.isArray(e.errors)) {
    for (const inner of e.errors.slice(0, 20)) if (check(inner, depth + 1)) return true;
  }
  return false;
}
