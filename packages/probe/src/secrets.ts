import { createScrubber, maskObservation, Observation, secretsOfServer, type Scrubber, type SecretValue, type ServerConfig, type TransportFacts } from '@driftwatch/core';
import { summarizeIssues } from './classify.js';
import { ProbeError } from './failure.js';

const byEntry = new WeakMap<ServerConfig, Scrubber>();
/** On a probe thread every task brings a fresh copy of the entry: cache by id and secret list. */
const byId = new Map<string, { key: string; scrubber: Scrubber }>();

/**
 * The scrubber of one configured server, built once per entry (compiling the forms of every
 * secret costs more than a probe's reasons take to scrub). `secrets`: as classified by the
 * process that loaded the config (see ProbeOptions.secrets); else core's secretsOfServer here.
 */
export function scrubberFor(server: ServerConfig, secrets?: readonly SecretValue[]): Scrubber {
  if (!secrets) {
    let scrubber = byEntry.get(server);
    if (!scrubber) {
      scrubber = createScrubber(secretsOfServer(server));
      byEntry.set(server, scrubber);
    }
    return scrubber;
  }
  const key = JSON.stringify(secrets);
  const cached = byId.get(server.id);
  if (cached?.key === key) return cached.scrubber;
  const scrubber = createScrubber(secrets);
  byId.set(server.id, { key, scrubber });
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
