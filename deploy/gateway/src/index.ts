export { createAllowlistClient, type AllowlistClient, type AllowlistClientOptions, type RefreshOutcome } from './allowlist-client.js';
export { checkToolCall, allowedTools, type Decision, type RefusalCode } from './check.js';
export { createGatewayServer, listUpstreamTools, REFUSED, type GatewayOptions } from './gateway.js';
