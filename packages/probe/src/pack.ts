import { evaluationKeyOf, fingerprintObservation, LIMITS, type ProbeFailure, type ProbeFailureCode, type ServerConfig, type Snapshot } from '@driftwatch/core';
import type { ProbeResult } from './types.js';

/** Turns one probe result into the message the poller publishes for it. */
export function toSnapshotMessage(server: ServerConfig, pollId: string, result: ProbeResult, now: Date): Snapshot | ProbeFailure {
  const time = now.toISOString();
  if (!result.ok) {
    return {
      id: `${pollId}:failure`,
      type: 'probe_failure',
      version: 1,
      time,
      serverId: server.id,
      pollId,
      code: result.code,
      reason: result.reason,
      ...(result.transport ? { transport: result.transport } : {}),
      timings: result.timings,
    };
  }
  const fingerprints = fingerprintObservation(result.observation);
  // Key order matters here: the differ reads the head of the serialised message up to
  // evaluationKey without decoding the rest (see core's peekSnapshotHead).
  return {
    id: `${pollId}:snapshot`,
    type: 'snapshot',
    version: 1,
    time,
    serverId: server.id,
    pollId,
    evaluationKey: evaluationKeyOf(fingerprints.snapshot, result.observation.transport),
    timings: result.timings,
    fingerprints,
    ...result.observation,
  };
}

/** What the poller needs to know about a packed poll without parsing its JSON. */
export interface PollSummary {
  type: 'snapshot' | 'probe_failure';
  code?: ProbeFailureCode;
  reason?: string;
  tools?: number;
  totalMs: number;
  fingerprint?: string;
  /** Size of the serialised message. */
  bytes: number;
}

/** One poll, serialised for the bus, with a summary for metrics and logs. */
export interface PackedPoll {
  summary: PollSummary;
  json: string;
}

/**
 * Fingerprints and serialises one probe result — the CPU-heavy part of a poll, done where the
 * probe ran (a worker thread) so the event loop only forwards text. A snapshot too large for
 * the bus becomes a `too_large` probe failure: that is the server's doing and must show, not
 * vanish as a publish error.
 */
export function packPoll(server: ServerConfig, pollId: string, result: ProbeResult, now: Date): PackedPoll {
  const message = toSnapshotMessage(server, pollId, result, now);
  const json = JSON.stringify(message);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (message.type === 'snapshot' && bytes > LIMITS.maxSnapshotBytes) {
    const reason = `snapshot is ${bytes} bytes serialised; the limit is ${LIMITS.maxSnapshotBytes}`;
    return packPoll(server, pollId, { ok: false, code: 'too_large', reason, timings: message.timings }, now);
  }
  if (message.type === 'snapshot') {
    return { summary: { type: 'snapshot', tools: message.tools.length, totalMs: message.timings.totalMs, fingerprint: message.fingerprints.snapshot, bytes }, json };
  }
  return { summary: { type: 'probe_failure', code: message.code, reason: message.reason, totalMs: message.timings?.totalMs ?? 0, bytes }, json };
}
