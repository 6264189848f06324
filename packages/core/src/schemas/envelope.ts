import { z } from 'zod';

/** Server ids are used in Kafka keys, Redis keys and URLs: keep them boring. */
export const ServerId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit');
export type ServerId = z.infer<typeof ServerId>;

export const IsoTime = z.iso.datetime({ offset: true });

/** Every message on every topic starts with this envelope. */
export const Envelope = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(64),
  version: z.literal(1),
  time: IsoTime,
  serverId: ServerId,
});
export type Envelope = z.infer<typeof Envelope>;

export const TOPICS = {
  snapshots: 'mcp.snapshots.v1',
  alerts: 'mcp.alerts.v1',
  actions: 'mcp.actions.v1',
  baselines: 'mcp.baselines.v1',
  /** OCSF Detection Findings (class 2004) per incident change, for SIEMs: plain OCSF, no envelope. */
  ocsf: 'mcp.ocsf.v1',
  /** Compacted, keyed by server id: the living catalog (a null value removes a server). */
  catalog: 'mcp.catalog.v1',
  /** Compacted, keyed by server id: quarantines in effect (a null value is a release). */
  quarantines: 'mcp.quarantines.v1',
  /**
   * Compacted, keyed by incident id: active incidents as last written (a null value once one is
   * resolved), so that a lost Redis gets back incidents not yet paged, and knows which were.
   */
  incidents: 'mcp.incidents.v1',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}
