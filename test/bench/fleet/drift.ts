/**
 * The rug pulls of a run. Change → quarantine is only meaningful on a server that had a
 * baseline: one poisoned before its first poll is trusted-on-first-use territory, another
 * measurement. So each drifting server turns as soon as it has a baseline (at interval + 10 s at
 * the earliest), and the ones still without one turn at the deadline anyway, counted as such.
 */
import { getServer, type ApiServer } from './api.js';
import { sleep } from './children.js';
import type { Fleet } from './fleet.js';

export interface DriftOutcome {
  /** Servers that drifted before they had a baseline (the deadline came first). */
  withoutBaseline: string[];
}

/** Drifts `ids` (see above); `early` is the /v1/servers read at interval + 10 s. Resolves when all have turned. */
export async function driftWhenBaselined(
  fleet: Fleet,
  apiPort: number,
  ids: readonly string[],
  early: readonly ApiServer[],
  deadline: number,
  check: () => void,
): Promise<DriftOutcome> {
  const baselined = new Set(early.filter((s) => s.baselineFingerprint !== null).map((s) => s.id));
  let waiting = ids.filter((id) => !baselined.has(id));
  await fleet.drift(ids.filter((id) => baselined.has(id)));
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(2_000);
    check();
    const ready: string[] = [];
    for (const id of waiting) {
      const s = await getServer(apiPort, id).catch(() => undefined);
      if (s?.baselineFingerprint) ready.push(id);
    }
    if (ready.length) await fleet.drift(ready);
    waiting = waiting.filter((id) => !ready.includes(id));
  }
  if (waiting.length) await fleet.drift(waiting);
  return { withoutBaseline: waiting };
}
