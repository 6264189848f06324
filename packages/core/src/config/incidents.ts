import { z } from 'zod';
import { parseInterval } from '../config.js';
import { Severity } from '../severity.js';
import { ServerId } from '../schemas/envelope.js';

/*
 * Incident policy as data (DESIGN.md, "Incidents"): routes, timing, flap control, dry run.
 * Every field is optional so existing configs keep working; `resolveIncidentPolicy` fills in
 * the defaults in one place.
 */

const MAX_DURATION_S = 7 * 24 * 3600;

/** A duration that may be zero: `0`, `"500ms"`, `"30s"`, `"5m"`, `"4h"` → seconds. */
export const Duration = z
  .union([z.number(), z.string().max(32)])
  .transform((v, ctx) => {
    const seconds = parseInterval(v);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DURATION_S) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration between 0 and 7d, such as 0, "500ms", "30s", "5m" or "4h" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return seconds;
  });

/** `tool.*`, `content.*`, `server.unreachable`, `*`: `*` matches any run of characters. */
export const KindGlob = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9_.*-]+$/, 'a change kind or a glob over kinds, such as "tool.*" or "content.*" (lower-case letters, digits, ".", "_", "-", "*")');

/**
 * Names a receiver in `receivers` (same rule as the receivers' own schema, config/receivers.ts;
 * whether it exists is checked against the config by routeReceiverProblems).
 */
export const RouteReceiverName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a receiver name: letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Labels an incident can be grouped by, besides the server (always part of the group key). */
export const GROUP_BY_LABELS = ['kind', 'category', 'subject', 'severity'] as const;
export const GroupByLabel = z.enum(GROUP_BY_LABELS);
export type GroupByLabel = z.infer<typeof GroupByLabel>;

const Tag = z.string().min(1).max(64);

export const RouteMatch = z
  .object({
    /** Any of these globs matches the alert's kind. */
    kind: z.array(KindGlob).min(1).max(64).optional(),
    /** Alerts at or above this severity; default: the top-level `pageAt`. */
    minSeverity: Severity.optional(),
    /** The server carries every one of these tags. */
    tags: z.array(Tag).min(1).max(32).optional(),
    /** The alert is about one of these servers. */
    serverIds: z.array(ServerId).min(1).max(1000).optional(),
  })
  .strict();
export type RouteMatch = z.infer<typeof RouteMatch>;

const Timing = {
  groupBy: z.array(GroupByLabel).max(GROUP_BY_LABELS.length).optional(),
  /** How long a new incident waits for more alerts before its first notification. */
  groupWait: Duration.optional(),
  /** Least time between two notifications about one incident's changes (new alerts, resolve). */
  groupInterval: Duration.optional(),
  /** An unchanged, unresolved incident is notified again after this long. */
  repeatInterval: Duration.optional(),
};

export const Route = z
  .object({
    match: RouteMatch.default({}),
    /** Who hears about it; an empty list records the incident without notifying anyone. */
    receivers: z.array(RouteReceiverName).max(32),
    ...Timing,
    /**
     * Keep evaluating after this route matched: its receivers add up, and an alert that only
     * `continue` routes matched also reaches the default route.
     */
    continue: z.boolean().default(false),
  })
  .strict();
export type Route = z.infer<typeof Route>;

export const DefaultRoute = z
  .object({
    /** Default: every configured receiver. */
    receivers: z.array(RouteReceiverName).max(32).optional(),
    ...Timing,
  })
  .strict();
export type DefaultRoute = z.infer<typeof DefaultRoute>;

export const FlapRule = z
  .object({
    /** Consecutive observations (polls) that must show the condition before it notifies (Prometheus `for`). */
    for: z.number().int('must be a whole number of observations').min(1).max(100).optional(),
    /** After it clears, it keeps firing this long; coming back within it continues the incident (`keep_firing_for`). */
    keepFiringFor: Duration.optional(),
  })
  .strict();
export type FlapRule = z.infer<typeof FlapRule>;

/** The fields DriftwatchConfig gains for incidents (spread into its object schema). */
export const IncidentConfigFields = {
  /** Notify at or above this severity (routes without their own `minSeverity`). Default: `quarantineAt`. */
  pageAt: Severity.optional(),
  /** Quarantines are recorded as "would quarantine" and nothing is enforced. */
  dryRun: z.boolean().optional(),
  /** Content findings (`content.*`) below this rule confidence (0..1) do not quarantine; they still notify. */
  minConfidenceToQuarantine: z.number().min(0).max(1).optional(),
  /** Evaluated in order; the first match stops unless it says `continue: true`. */
  routes: z.array(Route).max(256).optional(),
  /** What an alert no route matched gets, and the timing every route inherits. */
  defaultRoute: DefaultRoute.optional(),
  /** Flap control per kind (exact kind or glob): notification only, never quarantine. */
  flap: z.record(KindGlob, FlapRule).optional(),
  /** Where humans open an incident: links in every notification (PagerDuty `links`, Slack buttons). */
  publicUrls: z
    .object({
      /** Base URL of this Driftwatch API: links point at `<api>/v1/incidents/<id>`. */
      api: z.url({ protocol: /^https?$/ }).optional(),
      /** Base URL of the SOC console's incident page: links point at `<console>/<id>`. */
      console: z.url({ protocol: /^https?$/ }).optional(),
    })
    .strict()
    .optional(),
};

/** Per-server: `never` keeps a server out of automatic quarantine (alerts and notifications stay). */
export const ServerQuarantineMode = z.enum(['auto', 'never']);
export type ServerQuarantineMode = z.infer<typeof ServerQuarantineMode>;

export interface RouteReferenceProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Every receiver a route or the default route names must exist in `receivers`. Reads its input
 * defensively: it runs on the raw config even when other fields have problems.
 */
export function routeReceiverProblems(config: unknown): RouteReferenceProblem[] {
  const top = (config && typeof config === 'object' ? config : {}) as { routes?: unknown; defaultRoute?: unknown; receivers?: unknown };
  const known = new Set(top.receivers && typeof top.receivers === 'object' ? Object.keys(top.receivers) : []);
  const problems: RouteReferenceProblem[] = [];
  const check = (names: unknown, path: Array<string | number>): void => {
    if (!Array.isArray(names)) return;
    names.forEach((name, i) => {
      if (typeof name !== 'string' || known.has(name)) return;
      const list = known.size ? `; configured receivers: ${[...known].sort().join(', ')}` : '; no receivers are configured';
      problems.push({ path: [...path, i], message: `unknown receiver "${name}"${list}` });
    });
  };
  if (Array.isArray(top.routes)) {
    top.routes.forEach((route: unknown, i) => {
      if (route && typeof route === 'object') check((route as { receivers?: unknown }).receivers, ['routes', i, 'receivers']);
    });
  }
  if (top.defaultRoute && typeof top.defaultRoute === 'object') {
    check((top.defaultRoute as { receivers?: unknown }).receivers, ['defaultRoute', 'receivers']);
  }
  return problems;
}
