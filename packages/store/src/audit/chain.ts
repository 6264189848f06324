import { createHash } from 'node:crypto';
import { Action as ActionSchema, canonicalJson, type Action } from '@driftwatch/core';

/*
 * The tamper-evident audit trail: every action record carries the hash of the record appended
 * before it, hash = sha256(previous hash + "\n" + canonical JSON of the action). Changing or
 * deleting a record breaks the link to the next one; deleting the newest records is caught by
 * comparing with the head the store keeps. Retention removes records from the old end and keeps
 * the hash of the last removed one as the anchor the remaining chain starts from.
 *
 * What it is not: someone who can write the store can recompute every hash after their edit. An
 * operator who wants that covered records the head (`driftwatch audit verify` prints it)
 * somewhere else and compares later.
 */

/** The anchor of a chain nothing was ever removed from. */
export const GENESIS_HASH = '0'.repeat(64);

/** The canonical text a record's hash covers (the same text whatever the key order it came in). */
export function canonicalAction(action: Action): string {
  return canonicalJson(action);
}

export function auditChainHash(prevHash: string, canonicalActionText: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update('\n', 'utf8').update(canonicalActionText, 'utf8').digest('hex');
}

/** Why the recorded head disagrees with the last record the walk reached, or null when it agrees. */
export function headProblem(head: { seq: number; hash: string }, last: { seq: number; hash: string }): string | null {
  if (head.seq === last.seq && head.hash === last.hash) return null;
  return head.seq > last.seq
    ? `the newest records ${last.seq + 1}..${head.seq} are missing (the chain ends at ${last.seq}, its recorded head is ${head.seq})`
    : `the recorded head (${head.seq}) does not match the last record (${last.seq})`;
}

/**
 * What every store checks of one chained record's stored text, once its link is in place: the
 * hash, then that the text is the canonical JSON of a valid action. The action, or the problem.
 */
export function checkChainedText(prevHash: string, text: string, hash: string): { action: Action } | { problem: string } {
  if (auditChainHash(prevHash, text) !== hash) return { problem: 'content altered: its hash does not match what it says' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'content is not JSON' };
  }
  const parsed = ActionSchema.safeParse(value);
  if (!parsed.success) return { problem: `content is not a valid action (${parsed.error.issues[0]?.message ?? 'invalid'})` };
  if (canonicalAction(parsed.data) !== text) return { problem: 'content is not in canonical form' };
  return { action: parsed.data };
}

/** The first record that does not verify, as `driftwatch audit verify` names it. */
export interface AuditChainBreak {
  /** Position in the chain (append order), when the store numbers its records. */
  seq: number | null;
  /** The action's id and time, when the record could still be read. */
  actionId: string | null;
  time: string | null;
  serverId: string | null;
  problem: string;
}

export interface AuditChainReport {
  /** The chain verifies (quarantine mismatches are reported apart: they are about the state). */
  ok: boolean;
  /** Records checked (pruned ones not included). */
  checked: number;
  /** Where the remaining chain starts: the hash of the last record removed by retention. */
  anchor: { seq: number; hash: string };
  /** The newest record's position and hash: record it elsewhere to detect a rewrite of the whole chain. */
  head: { seq: number; hash: string };
  firstBreak: AuditChainBreak | null;
  /**
   * Servers whose quarantine in the state disagrees with the last quarantine or release the trail
   * recorded for them (a quarantine row removed by hand, say). Only from stores that can compare.
   */
  quarantineMismatches?: QuarantineMismatch[];
}

export interface QuarantineMismatch {
  serverId: string;
  /** The last quarantine/release record of the server in the trail. */
  seq: number;
  actionId: string;
  problem: string;
}
