export { serveEventStream, DEFAULT_POLL_MS, DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_STALL_MS, type EventStreamOptions } from './serve-event-stream.js';
export { createStreamLimiter, defaultStreamLimiter, DEFAULT_MAX_STREAMS, type StreamLimiter } from './stream-limiter.js';
export { EventStreamQuery, eventTypesOf } from './event-stream-query.js';
