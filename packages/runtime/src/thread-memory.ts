/**
 * Young-generation size (MB) of every worker thread Driftwatch starts (probe threads, analysis
 * threads). V8's default lets each isolate's young generation grow to ~48 MB (three 16 MB
 * semi-spaces), and a thread that parses and fingerprints tool lists all day grows it to that;
 * with five worker isolates beside the main thread that is RSS no one uses between scavenges.
 * Measured with the fleet benchmark (N = 1,000, 30 s, embedded, compiled build; single runs on a
 * noisy 2-core box): peak RSS 1,047 MB with V8's default, 923 and 891 MB with this bound (two
 * runs), at the same polls/min (2,001–2,015 of 2,000); CPU read 113 % of a core with the default,
 * 130 and 120 % with the bound: more frequent scavenges may cost some, within the box's noise.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;
