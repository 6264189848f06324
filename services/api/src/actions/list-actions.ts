import { z } from 'zod';
import { Action, IsoTime } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { InvalidCursorError, type StatePort } from '@driftwatch/store';

/** Query of GET /v1/actions. Unknown parameters are refused, so a typo is not silently ignored. */
export const ListActionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(512).optional(),
    serverId: z.string().min(1).max(128).optional(),
    /** Actions at or after this time. */
    since: IsoTime.optional(),
    /** Actions before this time. */
    until: IsoTime.optional(),
  })
  .strict();
export type ListActionsQuery = z.input<typeof ListActionsQuery>;

export const ListActionsResponse = z.object({
  /** Newest first. */
  actions: z.array(Action),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ListActionsResponse = z.infer<typeof ListActionsResponse>;

export interface ListActionsDeps {
  store: Pick<StatePort, 'listAuditPage'>;
}

/**
 * GET /v1/actions: one page of the audit trail. The trail is kept by time, so paging with
 * `nextCursor` reaches every action within the retention however many were recorded since.
 */
export async function listActions(deps: ListActionsDeps, query: ListActionsQuery): Promise<ListActionsResponse> {
  const parsed = ListActionsQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'bad_request', `invalid query: ${issue ? `${issue.path.join('.') || 'query'}: ${issue.message}` : 'does not validate'}`);
  }
  const q = parsed.data;
  try {
    return await deps.store.listAuditPage({
      limit: q.limit,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.serverId !== undefined ? { serverId: q.serverId } : {}),
      ...(q.since !== undefined ? { since: q.since } : {}),
      ...(q.until !== undefined ? { until: q.until } : {}),
    });
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new HttpError(400, 'bad_cursor', `${err.message}: pass the nextCursor of a previous page unchanged`);
    throw err;
  }
}
