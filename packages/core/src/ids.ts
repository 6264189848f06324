import { createHash } from 'node:crypto';

/** Short, deterministic ids: replaying the same input yields the same id, so consumers can dedupe. */
export function stableId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return `${prefix}_${h.digest('hex').slice(0, 32)}`;
}

export function dedupKeyOf(serverId: string, kind: string, subject: string): string {
  return `${serverId}|${kind}|${subject}`;
}
