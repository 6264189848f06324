/**
 * Bounds on everything that comes from outside (MCP servers, Kafka, HTTP bodies, config).
 * One place so that a reviewer can see at a glance how much an attacker can make us hold.
 */
export const LIMITS = {
  /** Longest string kept from a server (descriptions, instructions, schema text). */
  maxTextLength: 64 * 1024,
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
