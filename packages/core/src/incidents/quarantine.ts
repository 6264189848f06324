import type { Alert } from '../schemas/alert.js';
import { atLeast } from '../severity.js';
import type { ServerQuarantineMode } from '../config/incidents.js';
import type { IncidentPolicy } from './policy.js';

export type QuarantineDecision =
  | { action: 'none'; why: 'below_threshold' | 'not_a_trigger' | 'server_never' | 'low_confidence' }
  | { action: 'quarantine' }
  /** Dry run: recorded and audited as "would quarantine", nothing enforced. */
  | { action: 'would_quarantine' };

/**
 * Whether one alert quarantines its server. Decided on the alert alone, at once: grouping, flap
 * control and delivery never delay it (an attacker can flap a tool on purpose).
 */
export function decideQuarantine(
  alert: Pick<Alert, 'action' | 'severity' | 'kind' | 'confidence'>,
  policy: Pick<IncidentPolicy, 'quarantineAt' | 'dryRun' | 'minConfidenceToQuarantine'>,
  serverMode: ServerQuarantineMode | undefined,
): QuarantineDecision {
  if (alert.action !== 'trigger') return { action: 'none', why: 'not_a_trigger' };
  if (!atLeast(alert.severity, policy.quarantineAt)) return { action: 'none', why: 'below_threshold' };
  if (serverMode === 'never') return { action: 'none', why: 'server_never' };
  // A content finding without a confidence (an older differ) counts as certain: fail closed.
  if (alert.kind.startsWith('content.') && (alert.confidence ?? 1) < policy.minConfidenceToQuarantine) {
    return { action: 'none', why: 'low_confidence' };
  }
  return policy.dryRun ? { action: 'would_quarantine' } : { action: 'quarantine' };
}
