import { z } from 'zod';
import { Severity } from '@driftwatch/core';

export const ReasonBody = z
  .object({ reason: z.string().trim().min(1, 'reason is required').max(2000) })
  .strict();

export const AlertQuery = z
  .object({
    serverId: z.string().min(1).max(128).optional(),
    severity: Severity.optional(),
    status: z.enum(['open', 'resolved']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
