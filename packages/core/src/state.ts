import type { ProbeFailureCode } from './schemas/snapshot.js';
import type { Alert } from './schemas/alert.js';

export const SERVER_STATUSES = ['pending', 'ok', 'drifted', 'quarantined', 'unreachable'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export interface QuarantineRecord {
  reason: string;
  alertId?: string;
  /**
   * The poll of that alert: the other alerts of the same poll are the same change and are notified,
   * not inhibited. Kept here so it survives the loss of the alert record (a Redis rebuilt from Kafka).
   */
  pollId?: string;
  actor: string;
  at: string;
}

/** What the store keeps per server. Status is derived, never stored, so it cannot disagree. */
export interface ServerState {
  serverId: string;
  lastPollAt?: string;
  lastPollId?: string;
  lastSnapshotFingerprint?: string;
  /** undefined until the first poll result. */
  reachable?: boolean;
  lastError?: { code: ProbeFailureCode; reason: string; at: string };
  baselineFingerprint?: string;
  /** The latest snapshot differs from the approved baseline. */
  drifted?: boolean;
  quarantine?: QuarantineRecord;
}

export function deriveStatus(state: ServerState | null | undefined): ServerStatus {
  if (state?.quarantine) return 'quarantined';
  if (state?.reachable === false) return 'unreachable';
  if (!state?.baselineFingerprint) return 'pending';
  if (state.drifted) return 'drifted';
  return 'ok';
}

export type AlertStatus = 'open' | 'resolved';

/** An alert as the responder keeps it: the last trigger for its dedup key plus its lifecycle. */
export interface StoredAlert {
  alert: Alert;
  status: AlertStatus;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  resolvedBy?: string;
}

/** Differ bookkeeping: a finding currently open for a server, by dedup key. */
export interface OpenFinding {
  alertId: string;
  /** Fingerprint of the evidence, so a second, different change under the same key re-alerts. */
  evidenceFingerprint: string;
  severity: import('./severity.js').Severity;
  kind: string;
  subject: string;
}
