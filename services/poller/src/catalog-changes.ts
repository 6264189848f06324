import { canonicalJson, type ServerConfig } from '@driftwatch/core';

/**
 * Fields that change what Driftwatch says about a server, not how it reaches it: a change to
 * them needs no new poll (the differ and the API read them from the catalog).
 */
const BOOKKEEPING = new Set(['owner', 'tier', 'tags', 'approval']);
/** Fields that only move the schedule. */
const SCHEDULE = new Set(['interval', 'timeout']);

/**
 * What a catalog change means for the poller:
 * - `probe`: how the server is reached changed (transport, URL, command, credentials, sandbox,
 *   model endpoints …): a poll in flight describes the old server and is discarded, and the
 *   server is polled again at once;
 * - `schedule`: only its interval or timeout changed: the next poll follows the new schedule;
 * - `none`: nothing the poller uses changed (owner, tier, tags, approval, pinned models).
 */
export function pollingChange(before: ServerConfig, after: ServerConfig): 'probe' | 'schedule' | 'none' {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  let schedule = false;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (BOOKKEEPING.has(key)) continue;
    const x = key === 'models' ? endpoints(a[key]) : a[key];
    const y = key === 'models' ? endpoints(b[key]) : b[key];
    if (canonicalJson(x ?? null) === canonicalJson(y ?? null)) continue;
    if (SCHEDULE.has(key)) schedule = true;
    else return 'probe';
  }
  return schedule ? 'schedule' : 'none';
}

/** The model endpoints the probe asks (pinned models are the differ's business). */
function endpoints(models: unknown): unknown {
  if (!models || typeof models !== 'object') return null;
  const m = models as { openai?: unknown; ollama?: unknown };
  if (m.openai === undefined && m.ollama === undefined) return null;
  return { openai: m.openai ?? null, ollama: m.ollama ?? null };
}
