import type { Logger } from 'pino';
import type { BusPort } from '@driftwatch/bus';
import type { FetchLike } from './http.js';

/** What the receivers need from the process. */
export interface ReceiverDeps {
  /** The OCSF receiver publishes to `mcp.ocsf.v1` through it. */
  bus: BusPort;
  logger: Logger;
  /** Replaces the built-in SSRF-guarded fetch (see http.ts): for tests that simulate the network. */
  fetch?: FetchLike;
  /** Signature timestamps and Retry-After dates. */
  now: () => Date;
  /** Driftwatch's version: OCSF `metadata.product.version`. */
  productVersion?: string;
}
