import { fingerprintObservation, type ProbeFailure, type ServerConfig, type Snapshot } from '@driftwatch/core';
import type { ProbeResult } from '@driftwatch/probe';

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
  return {
    id: `${pollId}:snapshot`,
    type: 'snapshot',
    version: 1,
    time,
    serverId: server.id,
    pollId,
    timings: result.timings,
    fingerprints: fingerprintObservation(result.observation),
    ...result.observation,
  };
}
