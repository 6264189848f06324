import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { IsoTime, ServerId } from '../schemas/envelope.js';
import { Text } from '../schemas/json-value.js';

/**
 * A human refused one version of one tool. Stored per (server, tool): a later rejection of the
 * same tool replaces it, an approval of the tool deletes it. The fingerprint pins the refusal to
 * that version: the differ stays quiet while the server keeps serving exactly it, and the
 * allowlist blocks it; any other version is a new change and alerts again.
 */
export const ToolRejection = z.object({
  serverId: ServerId,
  tool: z.string().min(1).max(LIMITS.maxNameLength),
  /** Whole-tool fingerprint (`fingerprintTool(tool).tool`, as in `snapshot.fingerprints.tools`). */
  fingerprint: z.string().min(1).max(128),
  actor: z.string().min(1).max(256),
  reason: Text,
  at: IsoTime,
  /** The audit action that recorded it. */
  actionId: z.string().max(200).optional(),
});
export type ToolRejection = z.infer<typeof ToolRejection>;

/** What a decision needs of a rejection: which tool, which version. */
export type RejectedVersion = Pick<ToolRejection, 'tool' | 'fingerprint'>;
