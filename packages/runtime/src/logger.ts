import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubLogLine } from './log-secrets.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Paths whose values are replaced before a line is written. Headers and env of MCP servers carry
 * credentials; a logged config, request or error object must never leak them. Broad on purpose:
 * over-redacting a debug line is cheap, a token in a log pipeline is an incident.
 */
export const REDACT_PATHS: readonly string[] = [
  'headers',
  '*.headers',
  '*.*.headers',
  'env',
  '*.env',
  '*.*.env',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'cookie',
  '*.cookie',
  'set-cookie',
  '*["set-cookie"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'servers[*].headers',
  'servers[*].env',
  'config.servers[*].headers',
  'config.servers[*].env',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

export const REDACTED = '[redacted]';

export interface CreateLoggerOptions {
  name: string;
  /** Defaults to LOG_LEVEL, then 'info'. */
  level?: string;
  /** Defaults to stdout. Tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

/**
 * JSON lines to stdout, level as a label, ISO time, secrets redacted. Throws on an unknown level.
 * Two layers: `redact` blanks fields that hold credentials by name; the streamWrite hook masks
 * the configured secret values (registerLogSecrets) in every form, wherever they ended up in the
 * serialized line (a message, an error, a server's words quoted in a reason).
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info';
  assertLogLevel(level);
  const pinoOptions = {
    name: options.name,
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    hooks: { streamWrite: scrubLogLine },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

export function isLogLevel(level: string): level is (typeof LOG_LEVELS)[number] {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

export function assertLogLevel(level: string): asserts level is (typeof LOG_LEVELS)[number] {
  if (!isLogLevel(level)) {
    throw new Error(`invalid log level ${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
}
