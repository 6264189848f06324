export { createResponder, type Responder, type ResponderOptions } from './responder.js';
export { onceAndAnnounce } from './announce.js';
export { createDeliveryEngine, type DeliveryEngine, type DeliveryEngineOptions } from './delivery/engine.js';
export { createLegacyWebhookSink, createLogSink, classifyHttpStatus, retryAfterMs, LOG_SINK, LEGACY_WEBHOOK_SINK } from './delivery/fallback-sinks.js';
export type { Sink } from './delivery/sink.js';
