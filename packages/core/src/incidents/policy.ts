import type { DriftwatchConfig } from '../config.js';
import type { GroupByLabel, RouteMatch } from '../config/incidents.js';
import { globMatch } from './glob.js';
import type { Severity } from '../severity.js';

/** Defaults (Alertmanager's semantics, shorter waits: the quarantine never waits for them anyway). */
export const INCIDENT_DEFAULTS = {
  /** Every alert of one poll reaches the responder within milliseconds; 5 s catches them all. */
  groupWaitS: 5,
  groupIntervalS: 60,
  repeatIntervalS: 4 * 3600,
  /**
   * Flap control. A drift or a finding fires on its first observation (a rug pull is one poll);
   * an outage needs two polls in a row, so one failed probe (a blip) notifies no one.
   */
  flap: {
    'server.unreachable': { for: 2, keepFiringForS: 0 },
    '*': { for: 1, keepFiringForS: 0 },
  } as Record<string, ResolvedFlapRule>,
} as const;

export interface ResolvedFlapRule {
  for: number;
  keepFiringForS: number;
}

export interface IncidentTiming {
  groupWaitS: number;
  groupIntervalS: number;
  repeatIntervalS: number;
}

export interface ResolvedRoute {
  /** Index in `routes`, or -1 for the default route. */
  index: number;
  match: RouteMatch;
  minSeverity: Severity;
  receivers: string[];
  groupBy: GroupByLabel[];
  timing: IncidentTiming;
  continue: boolean;
}

export interface IncidentPolicy {
  quarantineAt: Severity;
  pageAt: Severity;
  dryRun: boolean;
  minConfidenceToQuarantine: number;
  routes: ResolvedRoute[];
  defaultRoute: ResolvedRoute;
  /** Exact kinds and globs; see flapRuleFor. */
  flap: Record<string, ResolvedFlapRule>;
}

/**
 * The config's incident policy with every default filled in. `receiverNames` are the receivers
 * that exist (config `receivers`, or the built-in fallback): the default route names them all
 * unless it lists its own.
 */
export function resolveIncidentPolicy(config: DriftwatchConfig, receiverNames: readonly string[]): IncidentPolicy {
  const pageAt = config.pageAt ?? config.quarantineAt;
  const base = config.defaultRoute ?? {};
  const timing: IncidentTiming = {
    groupWaitS: base.groupWait ?? INCIDENT_DEFAULTS.groupWaitS,
    groupIntervalS: base.groupInterval ?? INCIDENT_DEFAULTS.groupIntervalS,
    repeatIntervalS: base.repeatInterval ?? INCIDENT_DEFAULTS.repeatIntervalS,
  };
  const defaultRoute: ResolvedRoute = {
    index: -1,
    match: {},
    minSeverity: pageAt,
    receivers: [...(base.receivers ?? receiverNames)],
    groupBy: [...(base.groupBy ?? [])],
    timing,
    continue: false,
  };
  const routes = (config.routes ?? []).map(
    (r, index): ResolvedRoute => ({
      index,
      match: r.match,
      minSeverity: r.match.minSeverity ?? pageAt,
      receivers: [...r.receivers],
      groupBy: [...(r.groupBy ?? defaultRoute.groupBy)],
      timing: {
        groupWaitS: r.groupWait ?? timing.groupWaitS,
        groupIntervalS: r.groupInterval ?? timing.groupIntervalS,
        repeatIntervalS: r.repeatInterval ?? timing.repeatIntervalS,
      },
      continue: r.continue,
    }),
  );
  const flap: Record<string, ResolvedFlapRule> = { ...INCIDENT_DEFAULTS.flap };
  for (const [kind, rule] of Object.entries(config.flap ?? {})) {
    const prior = flapRuleFor(flap, kind);
    flap[kind] = { for: rule.for ?? prior.for, keepFiringForS: rule.keepFiringFor ?? prior.keepFiringForS };
  }
  return {
    quarantineAt: config.quarantineAt,
    pageAt,
    dryRun: config.dryRun ?? false,
    minConfidenceToQuarantine: config.minConfidenceToQuarantine ?? 0,
    routes,
    defaultRoute,
    flap,
  };
}

/** The exact kind's rule, else the most specific (longest) matching glob, else fire at once. */
export function flapRuleFor(flap: Record<string, ResolvedFlapRule>, kind: string): ResolvedFlapRule {
  const exact = flap[kind];
  if (exact) return exact;
  let best: [string, ResolvedFlapRule] | undefined;
  for (const [glob, rule] of Object.entries(flap)) {
    if (!glob.includes('*') || !globMatch(glob, kind)) continue;
    if (!best || glob.length > best[0].length) best = [glob, rule];
  }
  return best?.[1] ?? { for: 1, keepFiringForS: 0 };
}
