import type { ProbeFailureCode } from '@driftwatch/core';

/** A probe failure with its code; thrown inside the probe, turned into a ProbeResult at the edge. */
export class ProbeError extends Error {
  constructor(
    readonly code: ProbeFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface Failure {
  code: ProbeFailureCode;
  reason: string;
}

const MAX_REASON = 1000;

/** Printable, single-line, bounded excerpt of untrusted text for a reason string. */
export function excerpt(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function boundReason(reason: string): string {
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
}
