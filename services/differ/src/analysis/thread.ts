// The body of an analysis thread (see analyser.ts): one task at a time, CPU only, no I/O.
import { analyse, toolNames } from './analyse.js';
import type { AnalysisTask } from './task.js';

export default function run(task: AnalysisTask): unknown {
  return task.kind === 'analyse' ? analyse(task) : toolNames(task);
}
