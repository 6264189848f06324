export * from './port.js';
export { createKafkaBus, type KafkaBus, type KafkaBusOptions } from './kafka.js';
export type { LagWatch } from './kafka-lag.js';
export type { CompactedState } from './kafka-read.js';
export { createInProcessBus, type InProcessBus, type InProcessBusOptions } from './in-process.js';
export { DlqRecord, DlqReasonKind, DLQ_MAX_PAYLOAD_BYTES, decodeDlqRecord, isDlqTopic } from './dlq.js';
export { BusPublishError, MAX_MESSAGE_DEPTH } from './codec.js';
export { publishQuarantineState } from './quarantine-state.js';
export { isInfrastructureError } from './transient.js';
