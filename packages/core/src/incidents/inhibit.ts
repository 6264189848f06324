import type { IncidentAlert } from './record.js';

/** What the responder knows about the server when it evaluates an incident. */
export interface InhibitionContext {
  /** The server's quarantine, with the poll of the alert that caused it when known. */
  quarantine?: { at: string; alertId?: string; pollId?: string } | null;
  /** The latest poll could not reach the server. */
  unreachable?: boolean;
}

/** Alerts about one tool: `tool.*`, and content findings in a tool's text. */
export function isPerToolAlert(alert: Pick<IncidentAlert, 'kind' | 'subject'>): boolean {
  return alert.kind.startsWith('tool.') || (alert.kind.startsWith('content.') && alert.subject.startsWith('tools['));
}

/**
 * Why a per-tool alert is not notified on its own, or undefined. A quarantined server is out of
 * service already: further tool changes are recorded, not paged. The change that caused the
 * quarantine is not inhibited by it (alerts of the same poll are one change, one incident), and
 * neither is anything seen before it. An unreachable server cannot be checked at all: its tool
 * alerts say nothing new until it answers again.
 */
export function inhibitionOf(alert: IncidentAlert, ctx: InhibitionContext): string | undefined {
  if (!isPerToolAlert(alert)) return undefined;
  if (ctx.unreachable) return 'server unreachable';
  const q = ctx.quarantine;
  if (!q || alert.id === q.alertId) return undefined;
  if (Date.parse(alert.firstSeen) <= Date.parse(q.at)) return undefined;
  if (q.pollId !== undefined && alert.pollId !== undefined && alert.pollId === q.pollId) return undefined;
  return 'server quarantined';
}
