export { ConfigError, parseConfig, loadConfig, type ConfigIssue, type ConfigErrorCode, type ParseConfigOptions } from './config.js';
export { formatPath } from './config-error.js';
export { createLogger, assertLogLevel, isLogLevel, LOG_LEVELS, REDACT_PATHS, REDACTED, type Logger, type CreateLoggerOptions } from './logger.js';
export { registerLogSecrets, scrubLogLine } from './log-secrets.js';
export { createMetrics, type DriftwatchMetrics, type CreateMetricsOptions } from './metrics.js';
export { startHttpServer, type HttpServerHandle, type RouteHandler, type StartHttpServerOptions } from './http-server.js';
export { HttpError, readJsonBody, sendJson, sendError, type ReadJsonBodyOptions } from './http-json.js';
export { installShutdown, type ShutdownStep, type ShutdownHandle, type InstallShutdownOptions, type SignalSource } from './shutdown.js';
export { RuntimeEnv, readRuntimeEnv, type RuntimeEnvValues } from './env.js';
