/**
 * @driftwatch/probe — talks to MCP servers (official SDK Client) and model endpoints.
 *
 * Policy, in one place:
 * - `probeServer` never throws and settles within `timeoutMs` + ~0.9 s (cleanup bound). A stdio
 *   server runs in its own process group, which is killed (SIGTERM, then SIGKILL after 0.2 s)
 *   before the result is returned; the probe waits for the leader's exit (bounded).
 * - stdio servers run under bubblewrap per their `sandbox` (sandbox/): own PID namespace (killed
 *   as a whole), no network unless allowed, read-only system, private /tmp, rlimits, nobody
 *   when we are root. `auto` falls back to a plain launch where bubblewrap's one-time self-test
 *   fails; `bwrap` then fails as `sandbox_failed`. `transport.sandbox` records which it was.
 * - Transports: stdio (our bounded Transport: a line ≤ maxResponseBytes, non-JSON-RPC lines
 *   tolerated up to 16 and noted as conformance problems); Streamable HTTP, falling back to
 *   HTTP+SSE when the initialize POST gets a 4xx other than 401/403. HTTP bodies go through a
 *   fetch that caps each response at maxResponseBytes; the whole probe may receive 4× that.
 * - Lists are requested with a permissive schema once per page, then checked against the SDK's
 *   schema (mismatch → conformance problem) and item by item against @driftwatch/core's
 *   (failure → item dropped + problem). Only lists whose capability is advertised are asked for;
 *   MethodNotFound on an advertised list → empty list + problem. Duplicate ids → first kept.
 * - Bounds: descriptions/titles/instructions over LIMITS.maxTextLength are truncated (+ problem);
 *   more than LIMITS.maxItemsPerList items or LIMITS.maxPages pages → `too_large` (a partial list
 *   would hide tools); a repeated cursor → `protocol_error`.
 * - An initialize result the SDK rejects → `protocol_error` (the SDK Client cannot continue).
 * - Model versions: OpenAI-compatible `GET <openai>/v1/models` (data[].id), Ollama
 *   `GET <ollama>/api/tags` (models[].name + digest), and `_meta` hints under
 *   "io.modelcontextprotocol/model" or "model" on the initialize result, serverInfo or a tool.
 *   Endpoint failures are conformance problems (`models/openai`, `models/ollama`).
 * - https: the leaf certificate's SHA-256 comes from a separate TLS handshake in parallel.
 * - transport.url is recorded without userinfo or query; userinfo is sent as Basic auth.
 * - Reasons never contain header values, env values, URL passwords or query values (scrubbed).
 * - Caller abort → `internal` ("probe aborted").
 */
export { probeServer, redactUrl } from './probe.js';
export type { ProbeResult, ProbeOptions } from './types.js';
export { DEFAULT_MAX_RESPONSE_BYTES } from './types.js';
export { MODEL_META_KEYS, modelsFromMeta, openAiModelsUrl, ollamaTagsUrl } from './models.js';
export { peerCertificateSha256 } from './tls-fingerprint.js';
