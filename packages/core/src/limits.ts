/**
 * Bounds on everything that comes from outside (MCP servers, Kafka, HTTP bodies, config).
 * One place so that a reviewer can see at a glance how much an attacker can make us hold.
 */
export const LIMITS = {
  /** Longest string in our own records (reasons, conformance notes, alert explanations). */
  maxTextLength: 64 * 1024,
  /**
   * Longest server text kept whole and seen by the content rules (descriptions, titles,
   * instructions, strings inside schemas). Longer texts are cut, and the cut is itself a
   * `high` finding whose fingerprint covers the whole text: poison cannot hide past the bound.
   */
  maxSurfaceTextLength: 1024 * 1024,
  /** Longest tool, prompt or resource name kept; a longer one is recorded as unverifiable. */
  maxNameLength: 512,
  /**
   * JSON nodes (objects, arrays and scalars) allowed in one tool's schemas, annotations and
   * _meta together. The largest real tool in test/corpus has 265; a schema beyond this is
   * replaced by a marker and recorded as unverifiable, so one tool cannot cost seconds of CPU.
   */
  maxNodesPerItem: 10_000,
  /** Things a probe could not keep, recorded per snapshot (the rest are summarised in one entry). */
  maxUnverifiable: 256,
  /** Tools, prompts, resources kept per snapshot (after all pages). */
  maxItemsPerList: 2_000,
  /** Pages followed per list call before we call the server abusive. */
  maxPages: 50,
  /** Nesting depth allowed in a JSON schema or any JSON value we keep. */
  maxJsonDepth: 32,
  /** Serialized size of one snapshot message. */
  maxSnapshotBytes: 8 * 1024 * 1024,
  /** Serialized size of any bus message we accept. */
  maxMessageBytes: 10 * 1024 * 1024,
  /** HTTP API request bodies. */
  maxApiBodyBytes: 64 * 1024,
  /** Config file size. */
  maxConfigBytes: 1024 * 1024,
  /** Servers in one catalog. */
  maxServers: 10_000,
} as const;
