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
 *   schema (mismatch → conformance problem) and item by item against @driftwatch/core's.
 *   Only lists whose capability is advertised are asked for; MethodNotFound on an advertised
 *   list → empty list + problem. Duplicate names are all kept.
 * - Nothing is dropped unseen (fail closed): whatever cannot be kept as sent — a name over
 *   LIMITS.maxNameLength, a schema too deep, too large or missing, a text over
 *   LIMITS.maxSurfaceTextLength (1 MiB), items past LIMITS.maxItemsPerList, pages past
 *   LIMITS.maxPages, a looping cursor, over-long instructions or serverInfo — is cut or
 *   replaced by a marker and recorded in `observation.unverifiable` with the SHA-256 of what
 *   was cut. That list enters the fingerprint and each entry raises a `high` finding.
 * - An initialize result the SDK rejects → `protocol_error` (the SDK Client cannot continue).
 * - Model versions: OpenAI-compatible `GET <openai>/v1/models` (data[].id), Ollama
 *   `GET <ollama>/api/tags` (models[].name + digest), and `_meta` hints under
 *   "io.modelcontextprotocol/model" or "model" on the initialize result, serverInfo or a tool.
 *   Endpoint failures are conformance problems (`models/openai`, `models/ollama`).
 * - https: the leaf certificate's SHA-256 comes from a separate TLS handshake in parallel.
 * - SSRF guard (address-guard.ts, policy in @driftwatch/core): every connection of a probe (MCP,
 *   SSE, model endpoints, the certificate handshake) goes through one guard per probe. A host is
 *   resolved once, every address checked, and sockets connect only to the checked addresses
 *   (Host and SNI keep the name). Refused → `blocked_address`; any 3xx → `redirect` (never
 *   followed). Both fail the whole probe, even when they come from a model endpoint.
 * - HTTP connections are kept alive and reused across a thread's probes (connection-pool.ts),
 *   per (origin, checked addresses, policy): a probe only ever gets connections to the addresses
 *   its own guard checked, each new connection is judged by the policy again, and whatever a
 *   probe still has running when it settles is aborted, its socket destroyed. Idle connections
 *   close after the server's Keep-Alive hint (≤ 30 s) or 4 s; at most 256 origins per thread
 *   (least recently used closed first). A request that fails on a reused connection before any
 *   answer (reset, closed) is sent once more on a new connection.
 * - transport.url is recorded without userinfo or query; userinfo is sent as Basic auth.
 * - Secrets (core's secretsOfServer: credential env values, headers, URL passwords and query keys,
 *   every `${VAR}` value) never appear in a reason or a log line, in any form core's scrubber
 *   knows (raw, JSON, URL, base64, hex, escapes, inside encoded blobs). A server's stderr is never
 *   quoted in a reason ("it wrote N bytes to stderr"); its tail goes to `debug`, masked. The probe
 *   host classifies a server's secrets on the main thread and sends them with the task: a
 *   thread's copy of the entry has lost the loader's record of which values came from `${VAR}`.
 * - A secret found in the server's own text is masked (`[redacted:env:NAME]`) in the returned
 *   observation, which records each find in `exposures` (the differ raises it as critical).
 * - Caller abort → `internal` ("probe aborted").
 */
export { probeServer, redactUrl } from './probe.js';
export { packPoll, toSnapshotMessage, type PackedPoll, type PollSummary } from './pack.js';
export { createProbeHost, defaultProbeSizing, type ProbeHost, type ProbeHostOptions, type ProbeSizing, type HostedPoll, type ProbeTask } from './host/probe-host.js';
export { createConnectionPool, type ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
export type { ProbeResult, ProbeOptions } from './types.js';
export type { ResolveHost, ResolvedAddress } from './address-guard.js';
export { DEFAULT_MAX_RESPONSE_BYTES } from './types.js';
export { MODEL_META_KEYS, modelsFromMeta, openAiModelsUrl, ollamaTagsUrl } from './models.js';
export { peerCertificateSha256 } from './tls-fingerprint.js';
