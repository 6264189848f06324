import { z } from 'zod';
import { LIMITS } from './limits.js';
import { Severity } from './severity.js';
import { ServerId } from './schemas/envelope.js';
import { RuleTuning } from './rules/tuning.js';
import { endpointHostProblem } from './net/address-policy.js';
import { ApiSettings } from './config/api-settings.js';
import { PollerSettings } from './config/poller.js';
import { DifferSettings } from './config/differ.js';
import { Receivers } from './config/receivers.js';
import { IncidentConfigFields, routeReceiverProblems, ServerQuarantineMode } from './config/incidents.js';

const MIN_INTERVAL_S = 1;
const MAX_INTERVAL_S = 7 * 24 * 3600;

/** `30`, `30s`, `5m`, `1h` → seconds. */
export function parseInterval(input: number | string): number {
  if (typeof input === 'number') return input;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    default:
      return n;
  }
}

export const Interval = z
  .union([z.number(), z.string().max(32)])
  .transform((v, ctx) => {
    const seconds = parseInterval(v);
    if (!Number.isFinite(seconds) || seconds < MIN_INTERVAL_S || seconds > MAX_INTERVAL_S) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration between ${MIN_INTERVAL_S}s and 7d, such as 30, "30s", "5m" or "1h" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const Common = {
  id: ServerId,
  /** Who answers for this server (a team, a person): shown in the catalog, never interpreted. */
  owner: z.string().trim().min(1).max(256).optional(),
  /** The operator's classification (`prod`, `tier-1` …): shown in the catalog, never interpreted. */
  tier: z.string().trim().min(1).max(64).optional(),
  /** Seconds between polls. */
  interval: Interval.default(60),
  /** `required`: the first sight stays pending until a human approves it. */
  approval: z.enum(['auto', 'required']).default('auto'),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  /** Per-probe wall-clock budget. */
  timeout: Interval.default(15),
  /** Optional model endpoints whose versions are part of the server's surface. */
  models: z
    .object({
      openai: z.url({ protocol: /^https?$/ }).optional(),
      ollama: z.url({ protocol: /^https?$/ }).optional(),
      /** Expected models; a different set or digest is model drift. */
      pinned: z.array(z.object({ name: z.string().min(1), digest: z.string().optional() }).strict()).optional(),
    })
    .strict()
    .optional(),
  /**
   * Lets this server's URL and model endpoints be private or loopback addresses (an internal
   * server). Unset: the top-level `allowPrivateNetwork`. Metadata, link-local and the other
   * always-refused addresses stay refused (see net/address-policy.ts).
   */
  allowPrivateNetwork: z.boolean().optional(),
  /** `never`: policy never quarantines this server (alerts and notifications go on). Unset: `auto`. */
  quarantine: ServerQuarantineMode.optional(),
};

/**
 * A value we put on the wire or into a child's environment. CR or LF in a header value splits the
 * request (header injection) and makes fetch throw an error that quotes the value; in an env
 * value it is refused as well, as the issue on secrets asks, so a token read from a file with a
 * trailing newline is caught at load instead of half-working. NUL is refused by both fetch and
 * spawn with an error that quotes the value. The message names the field, never the value.
 */
const WireValue = (max: number) =>
  z.string().max(max).refine((v) => !/[\r\n\0]/.test(v), { message: 'must not contain a line break (CR or LF) or a NUL character' });

/** An HTTP field name (RFC 9110 token): anything else is refused by fetch, quoting the name. */
const HeaderName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name: letters, digits and !#$%&\'*+-.^_`|~, no spaces or line breaks');

/**
 * How a stdio server is confined while it is probed (packages/probe/src/sandbox/):
 * `bwrap` requires bubblewrap (a probe fails with `sandbox_failed` where it cannot run), `auto`
 * uses it where its one-time self-test passes and records the outcome in the snapshot, `none`
 * runs the server as a plain child process.
 */
export const SandboxMode = z.enum(['auto', 'bwrap', 'none']);
export type SandboxMode = z.infer<typeof SandboxMode>;

/**
 * Resource limits for one stdio server process, applied as rlimits (see the probe's
 * sandbox/limits.ts for what each one means and what it does not cover).
 */
export const StdioLimits = z
  .object({
    /** Private writable memory per process (RLIMIT_DATA), and the size of its private /tmp. */
    memoryMb: z.number().int('must be a whole number of MiB').min(16).max(65536).default(512),
    /** CPU time per process (RLIMIT_CPU); killed when it is used up. */
    cpuSeconds: z.number().int('must be a whole number of seconds').min(1).max(86400).default(30),
    /** Processes and threads of the sandbox together (RLIMIT_NPROC in its own user namespace). */
    processes: z.number().int('must be a whole number').min(1).max(4096).default(64),
  })
  .strict();
export type StdioLimits = z.infer<typeof StdioLimits>;

export const StdioServerConfig = z
  .object({
    ...Common,
    transport: z.literal('stdio'),
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(256).default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), WireValue(65536)).default({}),
    cwd: z.string().max(4096).optional(),
    sandbox: SandboxMode.default('auto'),
    /** Under the sandbox the server gets no network (not even loopback) unless this is true. */
    network: z.boolean().default(false),
    /** Under the sandbox the file system is read-only; this makes `cwd` (and only it) writable. */
    writableCwd: z.boolean().default(false),
    // prefault: an omitted `limits` is parsed as `{}`, so every default inside applies.
    limits: StdioLimits.prefault({}),
    /**
     * Keep the server running between polls (one initialize, then a `ping` and the lists on each
     * poll) instead of starting it for every poll, which costs 0.3–1.3 s of CPU per poll. The
     * process keeps its sandbox and limits (its `cpuSeconds` then counts over its whole life).
     * Only where a poller runs (`driftwatch start`, the poller service); one-shot commands
     * always start and stop it.
     */
    keepConnected: z.boolean().default(false),
    /**
     * A kept server is restarted at the first poll after this age, so that what a fresh start
     * would load (a new package version behind `npx pkg`, a changed file) is seen.
     */
    sessionMaxAge: Interval.default(3600),
  })
  .strict()
  .superRefine((server, ctx) => {
    if (server.writableCwd && server.cwd === undefined) {
      ctx.addIssue({ code: 'custom', path: ['writableCwd'], message: 'needs `cwd`: the directory the server may write to' });
    }
  });

export const HttpServerConfig = z
  .object({
    ...Common,
    transport: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(HeaderName, WireValue(16384)).default({}),
  })
  .strict();

export const ServerConfig = z.discriminatedUnion('transport', [StdioServerConfig, HttpServerConfig]);
export type ServerConfig = z.infer<typeof ServerConfig>;
export type StdioServerConfig = z.infer<typeof StdioServerConfig>;
export type HttpServerConfig = z.infer<typeof HttpServerConfig>;

export const DriftwatchConfig = z
  .object({
    quarantineAt: Severity.default('high'),
    /**
     * Where the living catalog's truth is: `file` (GitOps: this file; the catalog API is read-only)
     * or `api` (this file seeds the catalog once, then the API changes it). See @driftwatch/catalog.
     */
    catalog: z.enum(['file', 'api']).default('file'),
    /** Default for every server's `allowPrivateNetwork`: private and loopback addresses are refused. */
    allowPrivateNetwork: z.boolean().default(false),
    /** Operator tuning of the content rules: suppressions and re-grades, each with a reason. */
    rules: RuleTuning.optional(),
    /** The control plane: credentials, Host allowlist, rate limits (config/api-settings.ts). */
    api: ApiSettings.prefault({}),
    /** Probe threads and concurrency (config/poller.ts); unset keys are sized for the machine. */
    poller: PollerSettings.prefault({}),
    /** Analysis threads (config/differ.ts); unset, sized for the machine and the process's roles. */
    differ: DifferSettings.prefault({}),
    /** Incident policy: pageAt, routes, flap control, dry run (config/incidents.ts). */
    ...IncidentConfigFields,
    servers: z
      .array(ServerConfig)
      .max(LIMITS.maxServers)
      // Runs even when an entry has other problems, so every duplicate is reported in one pass.
      .superRefine(
        (servers, ctx) => {
          const seen = new Set<string>();
          (servers as unknown[]).forEach((s, i) => {
            const id = (s as { id?: unknown } | null)?.id;
            if (typeof id !== 'string') return;
            if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate server id "${id}"` });
            seen.add(id);
          });
        },
        { when: (payload) => Array.isArray(payload.value) },
      ),
    receivers: Receivers.default({}),
  })
  .strict()
  // Runs even when other fields have problems (every problem in one pass); reads defensively.
  .superRefine(refuseForbiddenHosts, { when: (payload) => !!payload.value && typeof payload.value === 'object' })
  .superRefine(
    (config, ctx) => {
      for (const p of routeReceiverProblems(config)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    },
    { when: (payload) => !!payload.value && typeof payload.value === 'object' },
  )
  // Servers inherit the top-level default, so the probe sees one effective value per server.
  .transform((config) => ({
    ...config,
    servers: config.servers.map((s) => ({ ...s, allowPrivateNetwork: s.allowPrivateNetwork ?? config.allowPrivateNetwork })),
  }));
export type DriftwatchConfig = z.infer<typeof DriftwatchConfig>;

/**
 * Refuses, at load, endpoint URLs whose host is a literal address or name the SSRF policy refuses:
 * always for metadata, link-local, unspecified and the like; for private and loopback unless the
 * server (or the top level) sets `allowPrivateNetwork: true`. Host names that need DNS are checked
 * by the probe on every connection.
 */
function refuseForbiddenHosts(config: unknown, ctx: z.RefinementCtx): void {
  const top = (config as { allowPrivateNetwork?: unknown; servers?: unknown }) ?? {};
  if (!Array.isArray(top.servers)) return;
  const topAllow = top.allowPrivateNetwork === true;
  top.servers.forEach((server: unknown, i) => {
    if (!server || typeof server !== 'object') return;
    const s = server as { url?: unknown; allowPrivateNetwork?: unknown; models?: unknown };
    const allow = typeof s.allowPrivateNetwork === 'boolean' ? s.allowPrivateNetwork : topAllow;
    const check = (value: unknown, path: PropertyKey[]): void => {
      if (typeof value !== 'string') return;
      const problem = endpointHostProblem(value, allow);
      if (problem) ctx.addIssue({ code: 'custom', path: ['servers', i, ...path], message: problem });
    };
    check(s.url, ['url']);
    const models = s.models && typeof s.models === 'object' ? (s.models as Record<string, unknown>) : {};
    check(models.openai, ['models', 'openai']);
    check(models.ollama, ['models', 'ollama']);
  });
}
