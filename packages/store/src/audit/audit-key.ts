import type { Action } from '@driftwatch/core';

/*
 * Every audit entry has a key that orders it: `<time ms, 13 digits>:<serverId>:<action id>`.
 * Fixed-width time first makes plain string order equal time order, so the same key works as a
 * Redis sorted-set member read BYLEX and as the sort key of the file store's in-memory index. The
 * server id in the key lets pruning find an entry's per-server index without reading the entry.
 * A page cursor is the last key served, base64url-encoded: opaque to callers, and stable when
 * entries are appended concurrently (a cursor names a position, not an offset).
 */

const TIME_WIDTH = 13;
const MAX_TIME_MS = 10 ** TIME_WIDTH - 1;
/** Server ids are letters, digits, ".", "_", "-" (core's ServerId): never ":". */
const KEY_PATTERN = /^\d{13}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[^\n]{1,200}$/;

/** A page cursor (or since/until bound) that this store did not hand out. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** Time as the key's fixed-width prefix. Times outside 1970..2286 are clamped, not rejected. */
export function timePrefix(ms: number): string {
  const clamped = Number.isFinite(ms) ? Math.min(MAX_TIME_MS, Math.max(0, Math.floor(ms))) : 0;
  return String(clamped).padStart(TIME_WIDTH, '0');
}

export function auditKey(action: Action): string {
  return `${timePrefix(Date.parse(action.time))}:${action.serverId}:${action.id}`;
}

/** Time (ms) and server id of a key this module produced. */
export function parseAuditKey(key: string): { timeMs: number; serverId: string } {
  const serverEnd = key.indexOf(':', TIME_WIDTH + 1);
  return { timeMs: Number(key.slice(0, TIME_WIDTH)), serverId: key.slice(TIME_WIDTH + 1, serverEnd) };
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('malformed cursor');
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!KEY_PATTERN.test(key)) throw new InvalidCursorError('malformed cursor');
  return key;
}

/** An ISO time bound as a key prefix; a bad value is the caller's mistake, not corruption. */
export function boundPrefix(iso: string, what: 'since' | 'until'): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new InvalidCursorError(`${what} is not a time`);
  return timePrefix(ms);
}

/**
 * The key range a page query covers, newest first: keys strictly below `below` (the cursor or
 * `until`, whichever is lower; null = no upper bound) and at or above `from` (since; null = none).
 * A key sorts after its own time prefix, so "below the prefix of until" excludes until itself.
 */
export interface KeyRange {
  below: string | null;
  from: string | null;
}

export function keyRange(q: { cursor?: string | undefined; since?: string | undefined; until?: string | undefined }): KeyRange {
  const bounds: string[] = [];
  if (q.cursor !== undefined) bounds.push(decodeCursor(q.cursor));
  if (q.until !== undefined) bounds.push(boundPrefix(q.until, 'until'));
  const below = bounds.length ? bounds.reduce((a, b) => (b < a ? b : a)) : null;
  return { below, from: q.since === undefined ? null : boundPrefix(q.since, 'since') };
}
