import { atLeast, type Severity } from '../severity.js';
import type { GroupByLabel } from '../config/incidents.js';
import { anyGlobMatches } from './glob.js';
import type { IncidentPolicy, ResolvedRoute } from './policy.js';

/** What routing needs to know about an alert. */
export interface RoutableAlert {
  serverId: string;
  kind: string;
  subject: string;
  severity: Severity;
}

export interface RouteDecision {
  /** Decides the incident's grouping and timing: the route that stopped evaluation, else the default. */
  primary: ResolvedRoute;
  /** Every receiver of every matched route, in order, without repeats; empty: recorded only. */
  receivers: string[];
}

export function routeMatches(route: ResolvedRoute, alert: RoutableAlert, serverTags: readonly string[]): boolean {
  const m = route.match;
  if (!atLeast(alert.severity, route.minSeverity)) return false;
  if (!anyGlobMatches(m.kind, alert.kind)) return false;
  if (m.serverIds && !m.serverIds.includes(alert.serverId)) return false;
  if (m.tags && !m.tags.every((t) => serverTags.includes(t))) return false;
  return true;
}

/**
 * Alertmanager's routing tree, one level deep: routes in order; the first match stops unless it
 * says `continue`, in which case its receivers add up and evaluation goes on. The default route
 * is the implicit last route: it takes what no stopping route matched (at or above `pageAt`).
 * The stopping route (or the default) decides grouping and timing.
 */
export function routeAlert(alert: RoutableAlert, serverTags: readonly string[], policy: IncidentPolicy): RouteDecision {
  const receivers: string[] = [];
  for (const route of policy.routes) {
    if (!routeMatches(route, alert, serverTags)) continue;
    receivers.push(...route.receivers);
    if (!route.continue) return { primary: route, receivers: [...new Set(receivers)] };
  }
  const d = policy.defaultRoute;
  if (routeMatches(d, alert, serverTags)) receivers.push(...d.receivers);
  return { primary: d, receivers: [...new Set(receivers)] };
}

/** `tool.description_changed` → `tool`; `content.hidden-unicode` → `content`. */
export function kindCategory(kind: string): string {
  const dot = kind.indexOf('.');
  return dot < 0 ? kind : kind.slice(0, dot);
}

/** The server, plus the route's `groupBy` labels: alerts with the same key share an open incident. */
export function groupKeyOf(alert: RoutableAlert, groupBy: readonly GroupByLabel[]): string {
  const parts = [alert.serverId];
  for (const label of [...groupBy].sort()) {
    const value = label === 'category' ? kindCategory(alert.kind) : alert[label];
    parts.push(`${label}=${value}`);
  }
  return parts.join('|');
}
