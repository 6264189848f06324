import { z } from 'zod';
import { DRIFT_EVENT_TYPES, type DriftEventType } from '@driftwatch/store';

const TYPE_LIST = new RegExp(`^(${DRIFT_EVENT_TYPES.join('|')})(,(${DRIFT_EVENT_TYPES.join('|')}))*$`);

/**
 * Query of GET /v1/events. Plain strings (no transforms) so the OpenAPI document can show them;
 * `eventTypesOf` turns `types` into the list serveEventStream takes.
 */
export const EventStreamQuery = z
  .object({
    /** Comma-separated event types to receive, e.g. `alert,status`; all when omitted. */
    types: z.string().max(64).regex(TYPE_LIST, `a comma-separated list of ${DRIFT_EVENT_TYPES.join(', ')}`).optional(),
    /** For clients that cannot set the Last-Event-ID header; the header wins when both are sent. */
    lastEventId: z.string().max(64).optional(),
  })
  .strict();
export type EventStreamQuery = z.infer<typeof EventStreamQuery>;

export function eventTypesOf(types: string | undefined): DriftEventType[] | undefined {
  return types ? ([...new Set(types.split(','))] as DriftEventType[]) : undefined;
}
