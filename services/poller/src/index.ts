export { createPoller, type Poller, type PollerOptions } from './poller.js';
export { toSnapshotMessage } from '@driftwatch/probe';
export { inlineRunner, threadRunner, type PollRunner } from './runner.js';
export { DueQueue, type DueJob } from './due-queue.js';
