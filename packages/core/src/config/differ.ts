import { z } from 'zod';

/**
 * How much analysing one differ process does at once (`differ:` in the config file). The default
 * depends on the machine and on what else runs in the process, so it is filled in where the differ
 * starts (`defaultAnalysisThreads`): a key left out means "sized for this box".
 */
export const DifferSettings = z
  .object({
    /** Worker threads that decode, scan and diff snapshots (the event loop only moves bytes). */
    analysisThreads: z
      .number()
      .min(1)
      .max(64)
      .refine(Number.isInteger, 'must be a whole number of threads')
      .optional(),
  })
  .strict();
export type DifferSettings = z.infer<typeof DifferSettings>;

/**
 * Analysis threads for a differ: the configured number, else one per core but one when the
 * process runs the differ alone (its event loop only moves bytes, at most 8), and two (one on a
 * single core) beside a poller. Two, not one, because first sights queue behind a single thread:
 * the fleet benchmark at 1,000 servers on 2 cores took change → quarantine p99 from 59.8 s to
 * 36.9 s with the second thread (RSS +214 MB); the probe threads wait on the network mostly.
 */
export function defaultAnalysisThreads(settings: DifferSettings, cores: number, alone: boolean): number {
  if (settings.analysisThreads !== undefined) return settings.analysisThreads;
  return alone ? Math.max(1, Math.min(8, cores - 1)) : Math.max(1, Math.min(2, cores));
}
