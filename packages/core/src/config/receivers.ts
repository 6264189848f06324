import { z } from 'zod';
import { addressVerdict, classifyHost } from '../net/address-policy.js';

/**
 * Where incident notifications go (`receivers:` in the config): a record of name → receiver, each
 * a discriminated union on `type`. Routes (another part of the config) name receivers by key.
 *
 * Secrets — PagerDuty routing keys, Slack webhook URLs, webhook HMAC secrets, HEC tokens — are
 * meant to be written as `${VAR}` references: the loader interpolates them before this schema
 * runs, so a literal is accepted too, but then the secret sits in the config file (and in its
 * history). Either way every receiver secret is registered with the log scrubber
 * (secrets/receiver-secrets.ts) and never appears in a log line, an error or a topic.
 *
 * Every URL passes the same SSRF policy as server URLs (net/address-policy.ts): metadata,
 * link-local and reserved addresses are always refused; private and loopback addresses only with
 * `allowPrivateNetwork: true` on the receiver (there is no top-level default for receivers: a
 * pager is almost always on the internet, and an internal one should say so where it is
 * configured). Plain `http:` is refused unless the receiver sets `allowPrivateNetwork: true`:
 * over the internet it would send the secret in clear. Host names are checked again on every
 * connection, after DNS.
 *
 * Dependency note: this module must not import ../config.ts (which imports it), hence its own
 * small duration and header schemas.
 */

/** Names are keys in routes and labels in metrics: keep them boring. */
export const ReceiverName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit');

const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 120_000;

/** `10`, `10s`, `500ms`, `1m` → milliseconds; the per-call deadline of one delivery. */
const Timeout = z
  .union([z.number(), z.string().max(32)])
  .transform((v, ctx) => {
    const ms = parseDurationMs(v);
    if (!Number.isFinite(ms) || ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', message: `must be a duration between 100ms and 120s, such as 10, "10s" or "500ms" (got ${JSON.stringify(v)})` });
      return z.NEVER;
    }
    return ms;
  });

function parseDurationMs(input: number | string): number {
  if (typeof input === 'number') return input * 1000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(input);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/** CR, LF or NUL in a header value splits the request; the message names the field, never the value. */
const WireValue = (max: number) =>
  z.string().max(max).refine((v) => !/[\r\n\0]/.test(v), { message: 'must not contain a line break (CR or LF) or a NUL character' });

const HeaderName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name: letters, digits and !#$%&\'*+-.^_`|~, no spaces or line breaks');

/** Headers we set ourselves: a configured one would break the signature or the framing. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

const Headers = z
  .record(HeaderName, WireValue(16384))
  .refine((h) => Object.keys(h).length <= 32, { message: 'at most 32 headers' })
  .superRefine((h, ctx) => {
    for (const name of Object.keys(h)) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower) || lower.startsWith('x-driftwatch-')) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is set by Driftwatch and cannot be configured` });
      }
    }
  });

const HttpUrl = z.url({ protocol: /^https?$/ }).max(4096);

/** A secret value (see the note above on `${VAR}`). */
const Secret = (min: number, max: number) =>
  z
    .string()
    .min(min, `must be at least ${min} characters`)
    .max(max)
    .refine((v) => !/[\r\n\0]/.test(v), { message: 'must not contain a line break (CR or LF) or a NUL character' });

const Common = {
  /** Per-call deadline (the caller's AbortSignal may end it sooner). */
  // prefault: the default goes through the transform (10 → 10 000 ms); .default would skip it.
  timeout: Timeout.prefault(10),
  /** Lets this receiver's URLs be private or loopback addresses (an internal receiver). */
  allowPrivateNetwork: z.boolean().default(false),
};

export const PagerDutyReceiverConfig = z
  .object({
    type: z.literal('pagerduty'),
    /** The Events API v2 integration key of the service ("routing key"). */
    routingKey: Secret(1, 256),
    /** Events API host; `/v2/enqueue` is appended. EU accounts use https://events.eu.pagerduty.com. */
    baseUrl: HttpUrl.default('https://events.pagerduty.com'),
    ...Common,
  })
  .strict();

export const SlackReceiverConfig = z
  .object({
    type: z.literal('slack'),
    /** The incoming-webhook URL. The whole URL is the credential. */
    webhookUrl: HttpUrl,
    ...Common,
  })
  .strict();

export const WebhookReceiverConfig = z
  .object({
    type: z.literal('webhook'),
    url: HttpUrl,
    /** HMAC-SHA256 key for `x-driftwatch-signature`; share it with the receiving side only. */
    secret: Secret(16, 4096),
    headers: Headers.default({}),
    ...Common,
  })
  .strict();

export const SplunkHecConfig = z
  .object({
    /** The HEC base URL (`https://splunk.example.com:8088`); `/services/collector/event` is appended. */
    url: HttpUrl,
    token: Secret(1, 256),
    sourcetype: z.string().min(1).max(256).default('ocsf:detection_finding'),
    index: z.string().min(1).max(256).optional(),
  })
  .strict();

export const OcsfHttpSinkConfig = z
  .object({
    url: HttpUrl,
    headers: Headers.default({}),
  })
  .strict();

export const OcsfReceiverConfig = z
  .object({
    type: z.literal('ocsf'),
    /** Publish to the Kafka topic `mcp.ocsf.v1` through the bus (default true). */
    kafka: z.boolean().default(true),
    splunkHec: SplunkHecConfig.optional(),
    http: OcsfHttpSinkConfig.optional(),
    ...Common,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.kafka && !r.splunkHec && !r.http) {
      ctx.addIssue({ code: 'custom', message: 'sends nowhere: set `kafka: true`, `splunkHec` or `http`' });
    }
  });

export const ReceiverConfig = z.discriminatedUnion('type', [PagerDutyReceiverConfig, SlackReceiverConfig, WebhookReceiverConfig, OcsfReceiverConfig]);
export type ReceiverConfig = z.infer<typeof ReceiverConfig>;
export type PagerDutyReceiverConfig = z.infer<typeof PagerDutyReceiverConfig>;
export type SlackReceiverConfig = z.infer<typeof SlackReceiverConfig>;
export type WebhookReceiverConfig = z.infer<typeof WebhookReceiverConfig>;
export type OcsfReceiverConfig = z.infer<typeof OcsfReceiverConfig>;
export type ReceiverType = ReceiverConfig['type'];

const MAX_RECEIVERS = 64;

export const Receivers = z
  .record(ReceiverName, ReceiverConfig)
  .refine((r) => Object.keys(r).length <= MAX_RECEIVERS, { message: `at most ${MAX_RECEIVERS} receivers` })
  // Runs even when an entry has other problems (every problem in one pass); reads defensively.
  .superRefine(refuseForbiddenReceiverHosts, { when: (payload) => !!payload.value && typeof payload.value === 'object' });
export type Receivers = z.infer<typeof Receivers>;

/** The URL fields of a (possibly invalid) receiver entry, with their paths. */
export function receiverUrls(receiver: unknown): Array<{ path: string[]; url: unknown }> {
  if (!receiver || typeof receiver !== 'object') return [];
  const r = receiver as Record<string, unknown>;
  const nested = (key: string): unknown => (r[key] && typeof r[key] === 'object' ? (r[key] as Record<string, unknown>).url : undefined);
  switch (r.type) {
    case 'pagerduty':
      return [{ path: ['baseUrl'], url: r.baseUrl }];
    case 'slack':
      return [{ path: ['webhookUrl'], url: r.webhookUrl }];
    case 'webhook':
      return [{ path: ['url'], url: r.url }];
    case 'ocsf':
      return [
        { path: ['splunkHec', 'url'], url: nested('splunkHec') },
        { path: ['http', 'url'], url: nested('http') },
      ];
    default:
      return [];
  }
}

/**
 * The problem with a receiver URL as far as it can be told without DNS, or undefined. Names the
 * host only (a Slack webhook's path is its secret). "(got …)" last: the loader drops it when the
 * value came from the environment.
 */
export function receiverUrlProblem(rawUrl: string, allowPrivateNetwork: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined; // the URL's own validation reports it
  }
  if (url.username || url.password) return 'must not contain credentials (user:password@); put them in a header or a ${VAR} secret';
  const verdict = addressVerdict(classifyHost(url.hostname), allowPrivateNetwork);
  if (!verdict.allowed) {
    return verdict.always
      ? `host is ${verdict.label}, which Driftwatch never connects to (got ${url.hostname})`
      : `host is ${verdict.label}; set allowPrivateNetwork: true on this receiver to allow it (got ${url.hostname})`;
  }
  if (url.protocol === 'http:' && !allowPrivateNetwork) {
    return 'must be https: plain http would send the receiver\'s secret in clear (allowed only with allowPrivateNetwork: true, for an internal receiver)';
  }
  return undefined;
}

function refuseForbiddenReceiverHosts(receivers: unknown, ctx: z.RefinementCtx): void {
  for (const [name, receiver] of Object.entries(receivers as Record<string, unknown>)) {
    if (!receiver || typeof receiver !== 'object') continue;
    const allow = (receiver as { allowPrivateNetwork?: unknown }).allowPrivateNetwork === true;
    for (const { path, url } of receiverUrls(receiver)) {
      if (typeof url !== 'string') continue;
      const problem = receiverUrlProblem(url, allow);
      if (problem) ctx.addIssue({ code: 'custom', path: [name, ...path], message: problem });
    }
  }
}
