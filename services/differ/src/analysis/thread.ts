// The body of an analysis thread (see analyser.ts): one task at a time, CPU only, no I/O.
import { lowerThreadPriority } from '@driftwatch/runtime';
import { analyse, toolNames } from './analyse.js';

// Below the event loop that serves /healthz and the API (see lowerThreadPriority).
lowerThreadPriority(5);
import type { AnalysisTask } from './task.js';

export default function run(task: AnalysisTask): unknown {
  return task.kind === 'analyse' ? analyse(task) : toolNames(task);
}
