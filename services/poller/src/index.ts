export { createPoller, type Poller, type PollerOptions } from './poller.js';
export { toSnapshotMessage } from './snapshot-message.js';
