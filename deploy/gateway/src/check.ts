import { gatewayToolFingerprint, type AllowlistDocument } from '@driftwatch/core';

/** Why a call was refused; stable strings a gateway can log, count and show. */
export type RefusalCode =
  /** No allowlist, or one older than the gateway accepts. */
  | 'no_allowlist'
  /** The allowlist does not know the server. */
  | 'unknown_server'
  /** The server is pending, drifted, quarantined or unreachable. */
  | 'server_not_allowed'
  /** The upstream does not list the tool (or could not be listed). */
  | 'tool_not_listed'
  /** The upstream lists the name more than once: which definition would run is unknowable. */
  | 'duplicate_tool'
  /** The live definition is not something Driftwatch fingerprints (no input schema, too large …). */
  | 'unfingerprintable'
  /** Driftwatch lists the tool's live version as blocked: rejected, drifted, unapproved … */
  | 'tool_blocked'
  /** The live definition matches no pinned fingerprint (a swap Driftwatch has not polled yet, or an unknown tool). */
  | 'fingerprint_mismatch';

export type Decision =
  | { allowed: true; fingerprint: string }
  | { allowed: false; code: RefusalCode; message: string };

function refuse(code: RefusalCode, message: string): Decision {
  return { allowed: false, code, message };
}

/**
 * May an agent call `toolName` on `serverId`, given the allowlist and the tools the upstream
 * lists right now? Yes only when the server is allowed and the tool's live definition has
 * exactly the fingerprint the allowlist pins for it. Everything else is refused (fail closed).
 */
export function checkToolCall(doc: AllowlistDocument | null, serverId: string, toolName: string, liveTools: readonly unknown[]): Decision {
  if (!doc) return refuse('no_allowlist', 'no current Driftwatch allowlist; refusing every call until one is fetched');
  const server = doc.servers.find((s) => s.id === serverId);
  if (!server) return refuse('unknown_server', `server "${serverId}" is not in the Driftwatch catalog`);
  if (!server.allowed) return refuse('server_not_allowed', `server "${serverId}" is ${server.status}`);

  const matches = liveTools.filter((t) => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === toolName);
  if (matches.length === 0) return refuse('tool_not_listed', `server "${serverId}" does not list tool "${toolName}"`);
  if (matches.length > 1) return refuse('duplicate_tool', `server "${serverId}" lists tool "${toolName}" ${matches.length} times`);
  const live = gatewayToolFingerprint(matches[0]);
  if (live === null) return refuse('unfingerprintable', `tool "${toolName}" of "${serverId}" is not a tool definition Driftwatch can fingerprint`);

  const pinned = server.tools.find((t) => t.name === toolName);
  if (pinned?.fingerprint === live) return { allowed: true, fingerprint: live };
  const blocked = server.blocked.find((b) => b.name === toolName && b.fingerprint === live);
  if (blocked) {
    const why = blocked.detail ? `: ${blocked.detail}` : '';
    return refuse('tool_blocked', `tool "${toolName}" of "${serverId}" is blocked (${blocked.reason}${why})`);
  }
  return refuse(
    'fingerprint_mismatch',
    pinned
      ? `tool "${toolName}" of "${serverId}" is not the approved version (live ${live}, approved ${pinned.fingerprint})`
      : `tool "${toolName}" of "${serverId}" was never approved`,
  );
}

/** The live tools an agent may see: those a call would be allowed to (a poisoned description never reaches the model). */
export function allowedTools<T>(doc: AllowlistDocument | null, serverId: string, liveTools: readonly T[]): T[] {
  return liveTools.filter((t) => {
    const name = typeof t === 'object' && t !== null ? (t as { name?: unknown }).name : undefined;
    return typeof name === 'string' && checkToolCall(doc, serverId, name, liveTools).allowed;
  });
}
