import { LIMITS, digestJson, sha256Hex, type Unverifiable } from '@driftwatch/core';
import { excerpt } from './failure.js';

/**
 * What one probe could not keep, bounded like the Observation field. Past the bound, the rest
 * are folded into one summary entry whose digest covers all of them, so even the overflow
 * changes the fingerprint when it changes.
 */
export class UnverifiableLedger {
  private readonly entries: Unverifiable[] = [];
  private readonly overflow: string[] = [];

  add(entry: Omit<Unverifiable, 'detail' | 'subject'> & { subject: string; detail: string }): void {
    const u: Unverifiable = { ...entry, subject: cutSubject(entry.subject), detail: excerpt(entry.detail, 900) };
    if (this.entries.length < LIMITS.maxUnverifiable - 1) this.entries.push(u);
    else this.overflow.push(`${u.list}|${u.subject}|${u.reason}|${u.digest}`);
  }

  get size(): number {
    return this.entries.length + this.overflow.length;
  }

  list(): Unverifiable[] {
    if (this.overflow.length === 0) return [...this.entries];
    return [
      ...this.entries,
      {
        list: 'server',
        subject: 'unverifiable',
        reason: 'too_many_items',
        detail: `${this.overflow.length} more things could not be kept`,
        digest: sha256Hex(this.overflow.sort().join('\n')),
      },
    ];
  }
}

/** A name or uri as a subject: cut, with a hash of the whole so two long names stay distinct. */
export function cutSubject(subject: string): string {
  if (subject.length <= LIMITS.maxNameLength) return subject;
  return `${subject.slice(0, LIMITS.maxNameLength - 20)}…#${sha256Hex(subject).slice(0, 16)}`;
}

/** Digest of a value a server sent (any depth, any size up to what the probe received). */
export const digestOf = (value: unknown): string => digestJson(value);

/** Digest for something we did not read at all (pages never fetched): fixed, so it is stable. */
export const digestOfUnread = (what: string): string => sha256Hex(`driftwatch:unread:${what}`);
