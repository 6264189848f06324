import { z } from 'zod';
import { Severity } from '../severity.js';
import { Envelope } from './envelope.js';
import { BoundedJson, Text } from './json-value.js';

/**
 * Change kinds from DESIGN.md plus content findings `content.<rule-id>`.
 * Extend, never rename: dashboards and silences key on these strings.
 */
export const CHANGE_KINDS = [
  'server.unreachable',
  'server.recovered',
  'server.identity_changed',
  'server.version_changed',
  'server.protocol_changed',
  'server.capabilities_changed',
  'server.instructions_changed',
  'tool.added',
  'tool.removed',
  'tool.renamed',
  'tool.description_changed',
  'tool.input_schema_changed',
  'tool.output_schema_changed',
  'tool.annotations_changed',
  'prompt.added',
  'prompt.removed',
  'prompt.changed',
  'resource.added',
  'resource.removed',
  'resource.changed',
  'model.added',
  'model.removed',
  'model.changed',
  'transport.tls_changed',
  'transport.insecure',
  // What the probe could not read in full fails closed (issue: nothing dropped unseen).
  'server.unverifiable',
  'tool.unverifiable',
  'tool.duplicate_name',
  'prompt.unverifiable',
  'resource.unverifiable',
  'server.secret_exposed',
  'server.unsandboxed',
] as const;
export const ChangeKindName = z.enum(CHANGE_KINDS);
export type ChangeKindName = z.infer<typeof ChangeKindName>;

export const AlertKind = z.union([
  ChangeKindName,
  z.string().regex(/^content\.[a-z0-9][a-z0-9_.-]{0,63}$/, 'content.<rule-id>'),
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const Evidence = z.object({
  before: BoundedJson.optional(),
  after: BoundedJson.optional(),
  /** For content findings: where in which text. */
  span: z
    .object({ field: z.string().max(512), start: z.number().int().min(0), end: z.number().int().min(0), excerpt: Text })
    .optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Alert = Envelope.extend({
  type: z.literal('alert'),
  /** trigger opens (or updates) the alert with this dedup key; resolve closes it. */
  action: z.enum(['trigger', 'resolve']),
  /** `${serverId}|${kind}|${subject}`: one open alert per key. */
  dedupKey: z.string().min(1).max(1024),
  kind: AlertKind,
  /** What changed: a tool name, `instructions`, a model name … */
  subject: z.string().max(512),
  severity: Severity,
  summary: z.string().max(300),
  explanation: Text,
  remediation: Text,
  evidence: Evidence,
  pollId: z.string().max(200).optional(),
  /** Content findings: how sure the rule is (0..1); policy may not quarantine below a minimum. */
  confidence: z.number().min(0).max(1).optional(),
  snapshotFingerprint: z.string().max(128).optional(),
});
export type Alert = z.infer<typeof Alert>;
