import { createScrubber, maskObservation, Observation, secretsOfServer, type Scrubber, type ServerConfig, type TransportFacts } from '@driftwatch/core';
import { summarizeIssues } from './classify.js';
import { ProbeError } from './failure.js';

const scrubbers = new WeakMap<ServerConfig, Scrubber>();

/**
 * The scrubber of one configured server, built once per entry (compiling the forms of every
 * secret costs more than a probe's reasons take to scrub). See core's secretsOfServer for which
 * values count as secrets.
 */
export function scrubberFor(server: ServerConfig): Scrubber {
  let scrubber = scrubbers.get(server);
  if (!scrubber) {
    scrubber = createScrubber(secretsOfServer(server));
    scrubbers.set(server, scrubber);
  }
  return scrubber;
}

/**
 * The finished observation with every configured secret masked in the server's text (and the
 * exposures recorded), checked again against the schema: masking must not produce a snapshot
 * the rest of the pipeline refuses. Callers fingerprint what this returns.
 */
export function maskFinished(observation: Observation, scrubber: Scrubber): Observation {
  const masked = maskObservation(observation, scrubber);
  if (masked === observation) return observation;
  const checked = Observation.safeParse(masked);
  if (!checked.success) throw new ProbeError('protocol_error', `observation out of bounds once secrets were masked: ${summarizeIssues(checked.error.issues)}`);
  return checked.data;
}

/** Transport facts of a failed probe: the URL path and the server's protocol version may hold a secret. */
export function scrubFacts(facts: Partial<TransportFacts>, scrubber: Scrubber): Partial<TransportFacts> {
  const out = { ...facts };
  if (out.url !== undefined) out.url = scrubber.scrub(out.url).slice(0, 4096);
  if (out.protocolVersion !== undefined) out.protocolVersion = scrubber.scrub(out.protocolVersion).slice(0, 64);
  return out;
}
