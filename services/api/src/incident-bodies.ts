import { z } from 'zod';
import { Duration, IsoTime, ServerId, Severity, SilenceMatchers } from '@driftwatch/core';

/** GET /v1/incidents query string. */
export const IncidentQuery = z
  .object({
    status: z.enum(['open', 'acknowledged', 'resolved', 'active']).optional(),
    serverId: ServerId.optional(),
    minSeverity: Severity.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type IncidentQuery = z.infer<typeof IncidentQuery>;

/** POST /v1/incidents/{id}/ack body (may be empty). */
export const AckBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();
/** POST /v1/incidents/{id}/resolve body. */
export const ResolveBody = z.object({ reason: z.string().trim().min(1, 'reason is required').max(2000) }).strict();

const MAX_SILENCE_S = 366 * 24 * 3600;

/** POST /v1/silences body; the author is the caller. Give `endsAt` or `duration`. */
export const SilenceBody = z
  .object({
    matchers: SilenceMatchers,
    comment: z.string().trim().min(1, 'comment is required').max(2000),
    /** Default: now. */
    startsAt: IsoTime.optional(),
    endsAt: IsoTime.optional(),
    /** From `startsAt`: "30m", "4h" … */
    duration: Duration.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.endsAt === undefined) === (b.duration === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give exactly one of endsAt or duration' });
    }
    if (b.duration !== undefined && (b.duration <= 0 || b.duration > MAX_SILENCE_S)) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'must be more than 0 and at most 366 days' });
    }
  });
export type SilenceBody = z.infer<typeof SilenceBody>;

/** GET /v1/silences query string. */
export const SilenceQuery = z
  .object({
    state: z.enum(['active', 'pending', 'expired']).optional(),
    serverId: ServerId.optional(),
  })
  .strict();
export type SilenceQuery = z.infer<typeof SilenceQuery>;

/** DELETE /v1/silences/{id} body (may be empty). */
export const DeleteSilenceBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();

export { MAX_SILENCE_S };
