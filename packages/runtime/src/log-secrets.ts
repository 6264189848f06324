import { createScrubber, type Scrubber, type SecretValue } from '@driftwatch/core';

// Process-wide on purpose: the CLI creates its logger before it reads the config, and every
// logger (and child) of the process must mask what any loaded config holds. Additive: a value
// once known to be secret stays masked for the life of the process.
const known = new Map<string, SecretValue>();
let scrubber: Scrubber = createScrubber([]);

/** Adds secret values that every log line of this process must mask (loadConfig calls it). */
export function registerLogSecrets(secrets: readonly SecretValue[]): void {
  let added = false;
  for (const s of secrets) {
    if (s.value.length === 0 || known.has(s.value)) continue;
    known.set(s.value, s);
    added = true;
  }
  if (added) scrubber = createScrubber([...known.values()]);
}

/** A serialized log line with every registered secret masked (pino's streamWrite hook). */
export function scrubLogLine(line: string): string {
  return scrubber.size === 0 ? line : scrubber.scrub(line);
}
