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
 * process runs the differ alone (its event loop only moves bytes), and one when it shares the
 * process with a poller (whose probe threads need the other cores).
 */
export function defaultAnalysisThreads(settings: DifferSettings, cores: number, alone: boolean): number {
  if (settings.analysisThreads !== undefined) return settings.analysisThreads;
  return alone ? Math.max(1, Math.min(8, cores - 1)) : 1;
}
