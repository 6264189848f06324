import { z } from 'zod';
import { Envelope } from './envelope.js';
import { Snapshot } from './snapshot.js';
import { Text } from './json-value.js';

/** An approved surface for a server. Compacted on mcp.baselines.v1 so Redis can be rebuilt. */
export const Baseline = Envelope.extend({
  type: z.literal('baseline'),
  fingerprint: z.string().min(1).max(128),
  approvedBy: z.string().min(1).max(256),
  reason: Text,
  /** `tofu` for trust on first use, `approval` when a human accepted it. */
  origin: z.enum(['tofu', 'approval']),
  snapshot: Snapshot,
});
export type Baseline = z.infer<typeof Baseline>;
