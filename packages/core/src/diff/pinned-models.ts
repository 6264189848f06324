import type { ModelVersion } from '../schemas/snapshot.js';
import type { Change } from './types.js';
import { makeChange, quoteName, shortJson } from './format.js';

/** A model the registry entry expects behind a server; a digest pins the exact weights. */
export interface PinnedModel {
  name: string;
  digest?: string;
}

/**
 * What a server serves against the models its registry entry pins. Unlike the baseline diff this
 * applies to every snapshot, first sight included: a pin is an approval given in advance, so a
 * server that comes up with other weights is wrong from its first poll.
 * Subjects are `pinned:<name>` so these never share a dedup key with baseline model changes.
 */
export function checkPinnedModels(pinned: readonly PinnedModel[], models: readonly ModelVersion[]): Change[] {
  const out: Change[] = [];
  const pinnedNames = new Set(pinned.map((p) => p.name));
  for (const p of pinned) {
    const subject = `pinned:${p.name}`;
    const served = models.filter((m) => m.name === p.name);
    if (served.length === 0) {
      out.push(makeChange('model.removed', subject, `Pinned model ${quoteName(p.name)} is not served`, { before: p }, { grade: 'pinned-missing' }));
      continue;
    }
    if (p.digest === undefined) continue;
    const wrong = served.find((m) => m.digest !== p.digest);
    if (!wrong) continue;
    const swapped = wrong.digest !== undefined;
    out.push(
      makeChange(
        'model.changed',
        subject,
        swapped
          ? `Model ${quoteName(p.name)} served with digest ${shortJson(wrong.digest, 24)}, pinned ${shortJson(p.digest, 24)}`
          : `Model ${quoteName(p.name)} reports no digest; pinned ${shortJson(p.digest, 24)}`,
        { before: p, after: wrong },
        { details: [`~ digest ${shortJson(p.digest, 80)} → ${shortJson(wrong.digest, 80)} (${wrong.source})`], grade: swapped ? 'digest-swapped' : undefined },
      ),
    );
  }
  const seen = new Set<string>();
  for (const m of models) {
    if (pinnedNames.has(m.name) || seen.has(m.name)) continue;
    seen.add(m.name);
    out.push(makeChange('model.added', `pinned:${m.name}`, `Model ${quoteName(m.name)} is served but not pinned`, { after: m }));
  }
  return out;
}
