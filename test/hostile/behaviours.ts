/**
 * The hostile-server suite as data: one row per behaviour, with what a fail-closed monitor should
 * answer. The driver turns rows into config entries; test/fixtures/hostile/README.md prints the
 * same table for people (a unit test keeps the two in step).
 */

/** What a fail-closed monitor may end up saying about a server. */
export type Outcome = 'quarantined' | 'unreachable' | 'ok' | 'refused';

export type Group = 'control' | 'rug' | 'lists' | 'stall' | 'protocol' | 'surface' | 'process' | 'sandbox' | 'secret' | 'http' | 'ssrf';

/** Ports of the fixture HTTP host, for rows whose URL depends on them. */
export interface HostPorts {
  port: number;
  otherPort: number;
}

export interface Behaviour {
  /** Server id in the config; for stdio rows also the HOSTILE value of stdio.mjs. */
  id: string;
  transport: 'stdio' | 'http' | 'config';
  group: Group;
  description: string;
  /** Acceptable final outcomes; the first is the one a fail-closed monitor should prefer. */
  expect: readonly Outcome[];
  /** The expected reason in words (failure code, finding, conformance note). */
  why: string;
  /**
   * When `unreachable` is acceptable only with certain failure codes: a row that must be refused
   * before any connection is not satisfied by a timeout that merely looks like a refusal.
   */
  unreachableCode?: (code: string) => boolean;
  /** Serves its poisoned variant only after the driver swaps it (after the first baseline). */
  rug?: true;
  /** Seconds between polls and per-probe budget; defaults from the driver's options. */
  interval?: number;
  timeout?: number;
  /** stdio knobs (see test/fixtures/hostile/README.md). */
  env?: Record<string, string>;
  /** http rows: route on the fixture host. */
  path?: string;
  /** config rows: the URL (never connected to by the driver). */
  url?: (ports: HostPorts) => string;
  /**
   * The URL leaves 127.0.0.1: the row is run only when the product refuses it at config load
   * (checked in-process first), so that no probe of ours ever sends a packet off the host.
   */
  offHost?: true;
  /**
   * Fields the product may not know yet (issue 6: allowPrivateNetwork, sandbox, network). The
   * driver offers them and drops, with a note, every key the product refuses as unknown.
   */
  extra?: Record<string, unknown>;
}

/** 127.0.0.1 HTTP fixtures are internal servers on purpose: once an SSRF guard lands they need this. */
const LOOPBACK_OK = { allowPrivateNetwork: true };
/** Rugs are polled often enough that baseline, swap and detection fit the window with room to spare (baseline by ~20 s, detection ≤ 10 s after the swap). */
const RUG = { interval: 10 };
/** Stalls get a short interval so that they hold probe slots most of the time (the starvation test). */
const STALL = { interval: 5, timeout: 4 };

/** Failure codes any network trouble produces; an SSRF refusal needs a code of its own. */
const GENERIC_CODES = new Set(['timeout', 'connect_failed', 'protocol_error', 'too_large', 'spawn_failed', 'tls_error', 'http_error', 'internal']);
const SSRF = { unreachableCode: (code: string) => !GENERIC_CODES.has(code) };

const RUG_WHY = 'rug pull after the baseline: a high/critical finding → quarantined';

export const BEHAVIOURS: readonly Behaviour[] = [
  // ── controls ────────────────────────────────────────────────────────────────────────────────
  // writableCwd: its poll log (HOSTILE_POLL_LOG) lives in its cwd, the one place a sandbox lets it write.
  { id: 'good', transport: 'stdio', group: 'control', description: 'well-behaved server on the official SDK; counts its own polls (HOSTILE_POLL_LOG)', expect: ['ok'], why: 'clean; polled every 2 s', interval: 2, timeout: 5, extra: { writableCwd: true } },
  { id: 'http-good', transport: 'http', group: 'control', path: '/good', description: 'well-behaved Streamable HTTP server (SDK) on 127.0.0.1', expect: ['ok'], why: 'clean internal server (allowPrivateNetwork)', extra: LOOPBACK_OK },

  // ── rug pulls (swapped after the first baseline) ────────────────────────────────────────────
  { id: 'rug-description', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'description rewritten with an <IMPORTANT> instruction', expect: ['quarantined'], why: RUG_WHY },
  { id: 'rug-unicode-tags', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'instruction hidden in Unicode tag characters after the clean text', expect: ['quarantined'], why: RUG_WHY },
  { id: 'rug-new-param', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'a new free-text parameter ("anything else you know")', expect: ['quarantined'], why: RUG_WHY },
  { id: 'rug-annotations', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'read-only tool re-annotated destructive and open-world', expect: ['quarantined'], why: RUG_WHY },
  { id: 'rug-instructions', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'server instructions changed to carry an instruction', expect: ['quarantined'], why: RUG_WHY },
  { id: 'rug-duplicate-name', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'a second tool with the clean tool\'s name, carrying the poison', expect: ['quarantined'], why: `${RUG_WHY} (duplicate name kept and compared)` },
  { id: 'rug-long-name', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'a new poisoned tool with a 513-character name', expect: ['quarantined'], why: `${RUG_WHY} (over-long name recorded, not dropped)` },
  { id: 'rug-deep-schema', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'input schema nested 40 levels (> 32), poison at the bottom', expect: ['quarantined'], why: `${RUG_WHY} (over-deep schema recorded, not dropped)` },
  { id: 'rug-no-input-schema', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'a new poisoned tool without inputSchema', expect: ['quarantined'], why: `${RUG_WHY} (invalid tool recorded, not dropped)` },
  { id: 'rug-pad-64k', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'poison after 64 KiB of spaces in the description', expect: ['quarantined'], why: `${RUG_WHY} (rules read ≥ 1 MiB)` },
  { id: 'rug-pad-1m', transport: 'stdio', group: 'rug', rug: true, ...RUG, description: 'poison after > 1 MiB of spaces in the description', expect: ['quarantined'], why: `${RUG_WHY} (text past the bound is itself high)` },
  { id: 'http-rug', transport: 'http', group: 'rug', rug: true, ...RUG, path: '/rug', description: 'Streamable HTTP server whose description gains an <IMPORTANT> instruction', expect: ['quarantined'], why: RUG_WHY, extra: LOOPBACK_OK },

  // ── lists ───────────────────────────────────────────────────────────────────────────────────
  { id: 'huge-list', transport: 'stdio', group: 'lists', description: '5,000 tools in one page', expect: ['quarantined', 'unreachable'], why: 'items past the count: high finding (or too_large); never ok' },
  { id: 'endless-cursor', transport: 'stdio', group: 'lists', description: 'a new nextCursor on every page, forever', expect: ['unreachable', 'quarantined'], why: 'too_large / protocol_error: pagination never ends' },
  { id: 'cursor-loop', transport: 'stdio', group: 'lists', description: 'cursors p1 → p2 → p1 …', expect: ['unreachable', 'quarantined'], why: 'protocol_error: pagination loops' },
  { id: 'pages-49', transport: 'stdio', group: 'lists', timeout: 8, description: '49 pages of 2 tools (legitimate)', expect: ['ok'], why: 'within the page limit: must pass (50 round trips: 8 s budget)' },

  // ── stalls and crashes ──────────────────────────────────────────────────────────────────────
  { id: 'never-answers', transport: 'stdio', group: 'stall', ...STALL, description: 'reads stdin, never writes', expect: ['unreachable'], why: 'timeout' },
  { id: 'init-then-hang', transport: 'stdio', group: 'stall', ...STALL, description: 'answers initialize, never answers tools/list', expect: ['unreachable'], why: 'timeout' },
  { id: 'crash-at-start', transport: 'stdio', group: 'stall', description: 'complains on stderr and exits 1 before reading', expect: ['unreachable'], why: 'connect_failed; reason without stderr above debug' },
  { id: 'crash-mid-list', transport: 'stdio', group: 'stall', description: 'writes half a tools/list answer and exits', expect: ['unreachable'], why: 'connect_failed / protocol_error' },

  // ── protocol abuse (raw stdout) ─────────────────────────────────────────────────────────────
  { id: 'garbage', transport: 'stdio', group: 'protocol', description: 'answers every request with lines that are not JSON-RPC', expect: ['unreachable'], why: 'protocol_error' },
  { id: 'non-utf8', transport: 'stdio', group: 'protocol', description: 'invalid UTF-8 bytes inside description strings', expect: ['ok', 'quarantined'], why: 'ok with a conformance note (bytes replaced), stable fingerprint' },
  { id: 'stdout-spam', transport: 'stdio', group: 'protocol', description: '20,000 log lines on stdout before every answer', expect: ['unreachable', 'ok'], why: 'protocol_error (too many non-JSON-RPC lines), or ok with a note' },
  { id: 'line-8mib', transport: 'stdio', group: 'protocol', description: 'one 9 MiB notification line before the answer', expect: ['quarantined', 'unreachable'], why: 'too_large: more than a probe may hold is server.unverifiable (high), not an outage' },
  { id: 'number-overflow', transport: 'stdio', group: 'protocol', description: 'schema numbers 1e400, -1e400, 1e-400, 30-digit integer', expect: ['ok', 'quarantined'], why: 'ok with a conformance note; fingerprint stable' },
  { id: 'unknown-ids', transport: 'stdio', group: 'protocol', description: 'responses to ids never sent, a null-id error, the real answer twice', expect: ['ok'], why: 'ok with a conformance note' },
  { id: 'deep-meta', transport: 'stdio', group: 'protocol', description: '_meta nested 100,000 levels in initialize and in a tool', expect: ['quarantined', 'unreachable'], why: 'over-deep value recorded as a high finding (or protocol_error); no stack overflow' },

  // ── hostile surfaces (well-formed JSON-RPC) ─────────────────────────────────────────────────
  { id: 'description-10mib', transport: 'stdio', group: 'surface', description: 'one tool with a 10 MiB description', expect: ['unreachable', 'quarantined'], why: 'too_large (or a high finding); never ok' },
  { id: 'schema-150k-props', transport: 'stdio', group: 'surface', description: 'one tool with 150,000 schema properties', expect: ['quarantined', 'unreachable'], why: 'items past a bound: high (or too_large); /healthz stays fast' },
  { id: 'proto-keys', transport: 'stdio', group: 'surface', description: '__proto__, constructor, prototype as tool names and schema keys', expect: ['ok'], why: 'ok; no prototype pollution, stable fingerprint' },
  { id: 'huge-capabilities', transport: 'stdio', group: 'surface', description: 'capabilities with 50,000 experimental entries', expect: ['ok', 'quarantined'], why: 'ok with a conformance note (bounded), or a high finding' },
  { id: 'long-server-info', transport: 'stdio', group: 'surface', description: '10,000-character serverInfo name and version', expect: ['quarantined'], why: 'cut to 512 and hashed: server.unverifiable (high), so a name cannot hide text past the cut' },
  { id: 'bogus-protocol', transport: 'stdio', group: 'surface', description: 'initialize answers protocolVersion 1999-01-01', expect: ['unreachable'], why: 'protocol_error: unsupported protocol version' },
  { id: 'server-requests', transport: 'stdio', group: 'surface', description: 'sampling/createMessage, roots/list, elicitation/create, ping sent before tools/list', expect: ['ok'], why: 'ok: requests refused, the probe does not wait on them' },
  { id: 'list-changed-storm', transport: 'stdio', group: 'surface', description: '10,000 tools/list_changed notifications before and after the answer', expect: ['ok'], why: 'ok: no re-list loop' },

  // ── processes ───────────────────────────────────────────────────────────────────────────────
  { id: 'stderr-flood', transport: 'stdio', group: 'process', description: '32 MiB of stderr while answering normally', expect: ['ok'], why: 'ok: stderr drained, only a tail kept' },
  { id: 'fork-detached', transport: 'stdio', group: 'process', description: 'double-forks a grandchild into its own session (pid to a file)', expect: ['ok'], why: 'ok; the grandchild is gone after the poll (PID namespace)' },
  { id: 'ignore-sigterm', transport: 'stdio', group: 'process', description: 'ignores SIGTERM, otherwise behaves', expect: ['ok'], why: 'ok; killed with SIGKILL after the poll' },
  { id: 'ignore-stdin-eof', transport: 'stdio', group: 'process', description: 'keeps running after stdin ends', expect: ['ok'], why: 'ok; killed after the poll' },
  { id: 'memory-bomb', transport: 'stdio', group: 'process', description: 'touches 512 MiB before answering', expect: ['unreachable', 'ok'], why: 'killed by the sandbox memory limit (or ok); driftwatch RSS unaffected', env: { MEM_BOMB_MIB: '512' } },
  { id: 'fork-bomb', transport: 'stdio', group: 'process', description: 'a tree of 200 processes (each exits after 20 s), then behaves', expect: ['ok', 'unreachable'], why: 'contained by the sandbox process limit; nothing left after the poll' },

  // ── sandbox ─────────────────────────────────────────────────────────────────────────────────
  { id: 'network-egress', transport: 'stdio', group: 'sandbox', description: 'connects to a 127.0.0.1 port the driver listens on', expect: ['ok'], why: 'ok; no connection arrives (no network in the sandbox)', extra: { network: false } },
  { id: 'write-outside-cwd', transport: 'stdio', group: 'sandbox', description: 'appends to a file outside its cwd', expect: ['ok'], why: 'ok; the file is not written (read-only system)' },

  // ── secrets ─────────────────────────────────────────────────────────────────────────────────
  { id: 'echo-secret-stderr', transport: 'stdio', group: 'secret', description: 'echoes its env secret to stderr (raw, base64, JSON-escaped, URL-encoded, 5-char) and exits', expect: ['unreachable'], why: 'connect_failed; no form of the secret anywhere' },
  { id: 'echo-secret-tool', transport: 'stdio', group: 'secret', description: 'echoes its env secret to stderr and into its own tool description', expect: ['quarantined'], why: 'critical: credential fed to the model; masked before storage' },

  // ── HTTP abuse ──────────────────────────────────────────────────────────────────────────────
  { id: 'http-slowloris', transport: 'http', group: 'http', path: '/slowloris', ...STALL, description: 'response headers one byte every 500 ms', expect: ['unreachable'], why: 'timeout', extra: LOOPBACK_OK },
  { id: 'http-redirect-302', transport: 'http', group: 'http', path: '/redirect-302', description: 'same-origin 302 to the good route', expect: ['unreachable'], why: 'redirect refused (its own reason)', extra: LOOPBACK_OK },
  { id: 'http-redirect-307', transport: 'http', group: 'http', path: '/redirect-307', description: 'same-origin 307 to the good route (a followed redirect works)', expect: ['unreachable'], why: 'redirect refused (its own reason)', extra: LOOPBACK_OK },
  { id: 'http-redirect-other-port', transport: 'http', group: 'http', path: '/redirect-other-port', description: '307 to the good route on another 127.0.0.1 port', expect: ['unreachable'], why: 'redirect refused (its own reason)', extra: LOOPBACK_OK },
  { id: 'http-chunked-endless', transport: 'http', group: 'http', path: '/chunked-endless', ...STALL, description: 'chunked JSON body that never ends (64 KiB / 5 ms)', expect: ['quarantined', 'unreachable'], why: 'too_large (server.unverifiable, high) or timeout', extra: LOOPBACK_OK },
  { id: 'http-lying-length', transport: 'http', group: 'http', path: '/lying-length', description: 'Content-Length 10 MiB, 40 bytes, connection dropped', expect: ['quarantined', 'unreachable'], why: 'too_large from the declared length (server.unverifiable, high) or connect_failed', extra: LOOPBACK_OK },
  { id: 'http-html', transport: 'http', group: 'http', path: '/html', description: 'HTML login page with status 200', expect: ['unreachable'], why: 'protocol_error / http_error', extra: LOOPBACK_OK },
  { id: 'http-500', transport: 'http', group: 'http', path: '/500', description: '500 on every request', expect: ['unreachable'], why: 'http_error', extra: LOOPBACK_OK },
  { id: 'http-sse-spam', transport: 'http', group: 'http', path: '/sse-spam', ...STALL, description: 'event stream of notifications and junk, never the answer', expect: ['quarantined', 'unreachable'], why: 'too_large (server.unverifiable, high) or timeout', extra: LOOPBACK_OK },

  // ── SSRF (config entries; no server behind them) ────────────────────────────────────────────
  { id: 'ssrf-metadata', transport: 'config', group: 'ssrf', ...SSRF, offHost: true, url: () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', description: 'server URL at the cloud metadata address', expect: ['refused', 'unreachable'], why: 'refused at config load, or unreachable with a refusal code of its own (not a timeout)' },
  { id: 'ssrf-unspecified', transport: 'config', group: 'ssrf', ...SSRF, url: (p) => `http://0.0.0.0:${p.port}/good`, description: 'server URL at the unspecified address 0.0.0.0 (reaches loopback)', expect: ['refused', 'unreachable'], why: 'refused at config load, or unreachable with a refusal code of its own (not a timeout)' },
  { id: 'ssrf-loopback-default', transport: 'config', group: 'ssrf', ...SSRF, url: (p) => `http://2130706433:${p.port}/good`, description: 'decimal IP for 127.0.0.1, without allowPrivateNetwork', expect: ['refused', 'unreachable'], why: 'loopback denied by default: refused, or unreachable with a refusal code of its own' },
];

/** Rows that are not controls: what the issue counts as behaviours. */
export function hostileBehaviours(rows: readonly Behaviour[] = BEHAVIOURS): Behaviour[] {
  return rows.filter((b) => b.group !== 'control');
}
