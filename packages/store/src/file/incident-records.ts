import { z } from 'zod';
import { DeliveryRecordSchema, IncidentRecordSchema, SilenceSchema } from '@driftwatch/core';

/** Journal records for incidents, silences and deliveries: each sets a value (replay-safe). */
export const IncidentFileRecords = [
  z.object({ t: z.literal('inc'), v: IncidentRecordSchema }),
  /** v: null deletes the silence. */
  z.object({ t: z.literal('sil'), id: z.string().min(1), v: SilenceSchema.nullable() }),
  z.object({ t: z.literal('dlv'), v: DeliveryRecordSchema }),
] as const;

export type IncidentFileRecord = z.infer<(typeof IncidentFileRecords)[number]>;
