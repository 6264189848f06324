import type { Alert } from './schemas/alert.js';
import { atLeast, type Severity } from './severity.js';

export interface ResponsePolicy {
  /** Quarantine automatically at or above this severity. */
  quarantineAt: Severity;
  /** Page on-call at or above this severity. */
  pageAt: Severity;
}

export interface PolicyDecision {
  quarantine: boolean;
  page: boolean;
}

/** What the responder does for one alert. Resolves never act: a human lifts a quarantine. */
export function decideResponse(alert: Pick<Alert, 'action' | 'severity'>, policy: ResponsePolicy): PolicyDecision {
  if (alert.action !== 'trigger') return { quarantine: false, page: false };
  return {
    quarantine: atLeast(alert.severity, policy.quarantineAt),
    page: atLeast(alert.severity, policy.pageAt),
  };
}
