import { deriveStatus, type ServerConfig, type ServerState, type StoredAlert } from '@driftwatch/core';

/**
 * The public view of a server: never its headers, env or command line (they may hold secrets, or
 * name where they come from), and the URL without credentials or query.
 */
export function serverView(server: ServerConfig, state: ServerState | null) {
  return {
    id: server.id,
    status: deriveStatus(state),
    transport: server.transport,
    ...(server.transport === 'http' ? { url: redactUrl(server.url) } : {}),
    owner: server.owner ?? null,
    tier: server.tier ?? null,
    tags: server.tags,
    approval: server.approval,
    intervalSeconds: server.interval,
    lastPollAt: state?.lastPollAt ?? null,
    baselineFingerprint: state?.baselineFingerprint ?? null,
    snapshotFingerprint: state?.lastSnapshotFingerprint ?? null,
    lastError: state?.lastError ?? null,
    quarantine: state?.quarantine ?? null,
  };
}

export function alertView(stored: StoredAlert) {
  const a = stored.alert;
  return {
    id: a.id,
    serverId: a.serverId,
    status: stored.status,
    kind: a.kind,
    subject: a.subject,
    severity: a.severity,
    summary: a.summary,
    explanation: a.explanation,
    remediation: a.remediation,
    evidence: a.evidence,
    dedupKey: a.dedupKey,
    time: a.time,
    firstSeen: stored.firstSeen,
    lastSeen: stored.lastSeen,
    resolvedAt: stored.resolvedAt ?? null,
    resolvedBy: stored.resolvedBy ?? null,
  };
}

/** Credentials in a URL (user:pass@, ?token=) must not leak through the API. */
function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = 'redacted';
      u.password = '';
    }
    return u.search ? `${u.origin}${u.pathname}?…` : `${u.origin}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
