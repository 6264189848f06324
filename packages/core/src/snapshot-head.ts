import { sha256Hex } from './canonical.js';
import type { TransportFacts } from './schemas/snapshot.js';

/**
 * The digest of everything in a snapshot that the differ's evaluation reads: the snapshot
 * fingerprint plus the transport facts deliberately left out of it (the transport kind and
 * whether a stdio server ran sandboxed). Two snapshots of a server with one key evaluate the
 * same against the same baseline, open findings and policy; only the poll id and time differ.
 */
export function evaluationKeyOf(snapshotFingerprint: string, transport: Pick<TransportFacts, 'kind' | 'sandbox'>): string {
  return sha256Hex(`${snapshotFingerprint}\n${transport.kind}\n${transport.sandbox?.mode ?? '-'}`);
}

/** What the differ needs of a snapshot message to recognise a repeat, read without decoding it. */
export interface SnapshotHead {
  time: string;
  serverId: string;
  pollId: string;
  evaluationKey: string;
}

/** The poller writes these fields first, in this order (see the probe's toSnapshotMessage). */
const HEAD =
  /^\{"id":"(?:[^"\\]|\\.){1,400}","type":"snapshot","version":1,"time":"([0-9T:.+Z-]{10,40})","serverId":"([A-Za-z0-9._-]{1,128})","pollId":"((?:[^"\\]|\\.){1,400})","evaluationKey":"([0-9a-f]{64})"/;
const HEAD_BYTES = 1536;

/**
 * Reads the head of a serialised snapshot message: its first bytes only, whatever its size.
 * Null when the message does not start the way the poller writes snapshots (a probe failure,
 * an older poller, anything else): the caller then decodes it in full. The values are only as
 * trustworthy as the producer, like the fingerprints the full decode would read.
 */
export function peekSnapshotHead(bytes: Uint8Array): SnapshotHead | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEAD_BYTES)).toString('utf8');
  const m = HEAD.exec(text);
  if (!m) return null;
  let pollId: unknown;
  try {
    pollId = JSON.parse(`"${m[3]}"`);
  } catch {
    return null;
  }
  if (typeof pollId !== 'string' || pollId.length > 200) return null;
  return { time: m[1]!, serverId: m[2]!, pollId, evaluationKey: m[4]! };
}
