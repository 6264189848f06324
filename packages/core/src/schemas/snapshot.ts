import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { Envelope, IsoTime } from './envelope.js';
import { BoundedJson, BoundedObject, SurfaceText, Text } from './json-value.js';
import { MAX_EXPOSURES, SecretExposure } from './secret-exposure.js';

/** A tool as a server described it. Strings are kept byte-exact: whitespace can hide things. */
export const ToolInfo = z.object({
  name: z.string().min(1).max(LIMITS.maxNameLength),
  title: SurfaceText.optional(),
  description: SurfaceText.optional(),
  inputSchema: BoundedObject,
  outputSchema: BoundedObject.optional(),
  annotations: BoundedObject.optional(),
  _meta: BoundedObject.optional(),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

export const PromptInfo = z.object({
  name: z.string().min(1).max(LIMITS.maxNameLength),
  title: SurfaceText.optional(),
  description: SurfaceText.optional(),
  arguments: z
    .array(z.object({ name: z.string().max(512), description: SurfaceText.optional(), required: z.boolean().optional() }))
    .max(256)
    .optional(),
  _meta: BoundedObject.optional(),
});
export type PromptInfo = z.infer<typeof PromptInfo>;

export const ResourceInfo = z.object({
  uri: z.string().min(1).max(4096),
  name: z.string().max(512),
  title: SurfaceText.optional(),
  description: SurfaceText.optional(),
  mimeType: z.string().max(256).optional(),
  _meta: BoundedObject.optional(),
});
export type ResourceInfo = z.infer<typeof ResourceInfo>;

export const ResourceTemplateInfo = z.object({
  uriTemplate: z.string().min(1).max(4096),
  name: z.string().max(512),
  title: SurfaceText.optional(),
  description: SurfaceText.optional(),
  mimeType: z.string().max(256).optional(),
  _meta: BoundedObject.optional(),
});
export type ResourceTemplateInfo = z.infer<typeof ResourceTemplateInfo>;

export const ModelVersion = z.object({
  /** Where we learned it: serverInfo, openai (/v1/models), ollama (/api/tags), meta (_meta hints). */
  source: z.enum(['serverInfo', 'openai', 'ollama', 'meta']),
  name: z.string().min(1).max(512),
  digest: z.string().max(512).optional(),
  version: z.string().max(512).optional(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

export const SandboxFacts = z.object({
  mode: z.enum(['bwrap', 'none']),
  reason: z.string().max(500).optional(),
});
export type SandboxFacts = z.infer<typeof SandboxFacts>;

export const TransportFacts = z.object({
  kind: z.enum(['stdio', 'streamable-http', 'sse']),
  url: z.string().max(4096).optional(),
  /** SHA-256 of the peer's leaf certificate (DER), hex, when the transport was TLS. */
  tlsCertFingerprint: z.string().max(256).optional(),
  protocolVersion: z.string().max(64).optional(),
  /**
   * stdio only: how the server process was confined while it was probed, and why not when it
   * was not. A fact about our side, not the server's surface: no fingerprint covers it.
   */
  sandbox: SandboxFacts.optional(),
});
export type TransportFacts = z.infer<typeof TransportFacts>;

export const ServerInfo = z.object({
  name: z.string().max(512),
  title: SurfaceText.optional(),
  version: z.string().max(512),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export const ProbeTimings = z.object({
  connectMs: z.number().nonnegative(),
  listMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
});
export type ProbeTimings = z.infer<typeof ProbeTimings>;

/** A place where the server broke the protocol; the snapshot was still taken from its raw answer. */
export const ConformanceProblem = z.object({
  method: z.string().max(128),
  message: Text,
});
export type ConformanceProblem = z.infer<typeof ConformanceProblem>;

/** Why a probe could not keep something a server sent. */
export const UNVERIFIABLE_REASONS = [
  'not_an_object',
  'no_identity',
  'name_too_long',
  'invalid_item',
  'schema_missing',
  'schema_invalid',
  'schema_too_deep',
  'schema_too_large',
  'text_too_long',
  'too_many_items',
  'too_many_pages',
  'too_large',
] as const;
export const UnverifiableReason = z.enum(UNVERIFIABLE_REASONS);
export type UnverifiableReason = z.infer<typeof UnverifiableReason>;

/**
 * Something the server sent that the probe could not keep as it was (an over-long name, a schema
 * too deep to compare, items past a bound …). It is part of the snapshot and of its fingerprint —
 * `digest` hashes what was dropped or cut — so a change hidden in it still changes the
 * fingerprint, and each one raises a `high` finding: the monitor fails closed on what it cannot read.
 */
export const Unverifiable = z.object({
  list: z.enum(['tools', 'prompts', 'resources', 'resourceTemplates', 'server']),
  /** The item's name or uri (cut), `#<n>` when it has none, or the server field. */
  subject: z.string().max(LIMITS.maxNameLength + 64),
  reason: UnverifiableReason,
  /** What was wrong, in our words (never the server's text). */
  detail: z.string().max(1000),
  /** SHA-256 of what was dropped or cut (canonical JSON), or of a fixed token when nothing was read. */
  digest: z.string().max(128),
});
export type Unverifiable = z.infer<typeof Unverifiable>;

/** What a probe observed: the input of canonicalisation and fingerprinting. */
export const Observation = z.object({
  transport: TransportFacts,
  serverInfo: ServerInfo,
  capabilities: BoundedObject,
  instructions: SurfaceText.optional(),
  tools: z.array(ToolInfo).max(LIMITS.maxItemsPerList),
  prompts: z.array(PromptInfo).max(LIMITS.maxItemsPerList),
  resources: z.array(ResourceInfo).max(LIMITS.maxItemsPerList),
  resourceTemplates: z.array(ResourceTemplateInfo).max(LIMITS.maxItemsPerList),
  models: z.array(ModelVersion).max(256),
  conformance: z.array(ConformanceProblem).max(256),
  /** What the probe could not keep (absent in snapshots taken before this field existed). */
  unverifiable: z.array(Unverifiable).max(LIMITS.maxUnverifiable).optional(),
  /** Configured secrets found (and masked) in the server's own text; absent when none. */
  exposures: z.array(SecretExposure).max(MAX_EXPOSURES).optional(),
});
export type Observation = z.infer<typeof Observation>;

export const ToolFingerprints = z.object({
  tool: z.string(),
  description: z.string(),
  inputSchema: z.string(),
  outputSchema: z.string(),
  annotations: z.string(),
});
export type ToolFingerprints = z.infer<typeof ToolFingerprints>;

export const Fingerprints = z.object({
  /** Whole snapshot surface: everything that reaches a model or decides trust. */
  snapshot: z.string(),
  /** Server identity, instructions, capabilities, protocol. */
  server: z.string(),
  tools: z.record(z.string(), ToolFingerprints),
});
export type Fingerprints = z.infer<typeof Fingerprints>;

export const Snapshot = Envelope.extend({
  type: z.literal('snapshot'),
  pollId: z.string().min(1).max(200),
  /**
   * Digest of what the differ's evaluation reads (see evaluationKeyOf), written right after the
   * poll id so the differ can recognise an unchanged snapshot from the message's first bytes.
   * Optional: messages of older pollers have none and are always decoded in full.
   */
  evaluationKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  timings: ProbeTimings,
  fingerprints: Fingerprints,
}).extend(Observation.shape);
export type Snapshot = z.infer<typeof Snapshot>;

export const ProbeFailureCode = z.enum([
  'timeout',
  'connect_failed',
  'protocol_error',
  'too_large',
  'spawn_failed',
  /** `sandbox: bwrap` was configured and bubblewrap cannot run here. */
  'sandbox_failed',
  'tls_error',
  'http_error',
  'internal',
  /** The endpoint answered with a 3xx: redirects are never followed (they could lead anywhere). */
  'redirect',
  /** The SSRF policy refused the address (metadata, link-local, private without allowPrivateNetwork …). */
  'blocked_address',
  /**
   * The catalog entry could not be turned into a probe where the poller runs: a credential
   * reference is unresolved (variable unset, secret file unreadable) or the resolved entry is invalid.
   */
  'config_error',
]);
export type ProbeFailureCode = z.infer<typeof ProbeFailureCode>;

export const ProbeFailure = Envelope.extend({
  type: z.literal('probe_failure'),
  pollId: z.string().min(1).max(200),
  code: ProbeFailureCode,
  reason: Text,
  transport: TransportFacts.partial().optional(),
  timings: ProbeTimings.partial().optional(),
});
export type ProbeFailure = z.infer<typeof ProbeFailure>;

export const SnapshotMessage = z.discriminatedUnion('type', [Snapshot, ProbeFailure]);
export type SnapshotMessage = z.infer<typeof SnapshotMessage>;

export { IsoTime, BoundedJson };
