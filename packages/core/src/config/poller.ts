import { z } from 'zod';

/**
 * How much probing one poller process does at once (`poller:` in the config file). Core holds only
 * the schema; the defaults depend on the machine (its cores), so they are filled in where the
 * poller starts (@driftwatch/probe's defaultProbeSizing): a key left out means "sized for this
 * box", never a fixed number.
 */
const Count = (what: string, max: number) =>
  z
    .number()
    .min(1)
    .max(max)
    // A refinement rather than .int(), so the loader says it in words ("a whole number of …").
    .refine(Number.isInteger, `must be a whole number of ${what}`);

export const PollerSettings = z
  .object({
    /**
     * Worker threads that probe (and fingerprint what they saw). The first thread takes only
     * servers on probation (failing, slow or large); healthy servers share the others.
     */
    threads: Count('threads', 64).optional(),
    /** Polls in flight at once, over all threads (HTTP probes mostly wait on the network). */
    maxConcurrentProbes: Count('polls', 4096).optional(),
    /** stdio polls at once (each starts a server process, which is CPU work, not waiting). */
    maxConcurrentStdio: Count('polls', 1024).optional(),
    /**
     * stdio servers with `keepConnected` kept running at once, over all threads; past it,
     * further servers are started and stopped per poll until a kept one goes. Each one is a
     * live process.
     */
    maxKeptStdioSessions: Count('sessions', 4096).optional(),
  })
  .strict();
export type PollerSettings = z.infer<typeof PollerSettings>;
