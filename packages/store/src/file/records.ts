import { z } from 'zod';
import { ApiKeyRecord } from '../api-keys.js';
import {
  Action,
  Baseline,
  OpenFindingsSchema,
  QuarantineRecordSchema,
  ServerStateSchema,
  Snapshot,
  StoredAlertSchema,
} from '../codec.js';
import { ToolRejectionRecord } from './tool-rejections.js';
import { DriftEvent } from '../events/event.js';
import { IncidentFileRecords } from './incident-records.js';
import { CatalogRecords } from './catalog.js';

/**
 * One line of the journal (and of the compacted state file). Each record sets a value rather
 * than describing an operation, so replaying a record twice is harmless (an audit entry is kept
 * once per key; records at or below the state file's seq are skipped anyway).
 */
export const FileRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('srv'), id: z.string().min(1), v: ServerStateSchema.nullable() }),
  z.object({ t: z.literal('snap'), id: z.string().min(1), v: Snapshot }),
  z.object({ t: z.literal('base'), id: z.string().min(1), v: Baseline }),
  z.object({ t: z.literal('find'), id: z.string().min(1), v: OpenFindingsSchema }),
  z.object({ t: z.literal('alert'), v: StoredAlertSchema }),
  /** Written by compaction only: which alert is the open one for a dedup key. */
  z.object({ t: z.literal('openptr'), dk: z.string(), id: z.string() }),
  z.object({ t: z.literal('q'), id: z.string().min(1), v: QuarantineRecordSchema.nullable() }),
  /** exp: wall-clock ms when the claim lapses; null removes it. */
  z.object({ t: z.literal('claim'), k: z.string(), exp: z.number().nullable() }),
  z.object({ t: z.literal('audit'), v: Action }),
  /** An API key (hash only); a revocation rewrites the whole record. */
  z.object({ t: z.literal('key'), v: ApiKeyRecord }),
  ToolRejectionRecord,
  /** A live event; its id is the sequence number it was first written under. */
  z.object({ t: z.literal('ev'), v: DriftEvent }),
  /** Written by compaction only: the highest event id dropped from the live event log. */
  z.object({ t: z.literal('evfloor'), id: z.number().int().min(0) }),
  ...IncidentFileRecords,
  ...CatalogRecords,
]);
export type FileRecord = z.infer<typeof FileRecord>;

export const StateHeader = z.object({ dw: z.literal('state'), version: z.literal(1), seq: z.number().int().min(0) });
