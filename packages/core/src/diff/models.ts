import type { ModelVersion } from '../schemas/snapshot.js';
import { fingerprintJson } from '../canonical.js';
import type { Change } from './types.js';
import { makeChange, quoteName, shortJson } from './format.js';
import { matchByKey } from './match.js';
import { jsonDiffLines, jsonEqual } from './json-diff.js';

function subjectOf(m: ModelVersion): string {
  return `${m.source}:${m.name}`;
}

/**
 * Model supply-chain drift. The same name with a new digest is the worst case — the weights
 * were swapped under a name everyone already trusts — graded `digest-swapped`; a new version
 * string (or a digest that appeared/disappeared) is model.changed's default.
 */
export function diffModels(before: readonly ModelVersion[], after: readonly ModelVersion[]): Change[] {
  const m = matchByKey(before, after, subjectOf, (x) => fingerprintJson(x));
  const out: Change[] = [];
  for (const { before: b, after: a } of m.pairs) {
    if (jsonEqual(b, a)) continue;
    const subject = subjectOf(a);
    const details: string[] = [];
    if (b.digest !== a.digest) details.push(`~ digest ${shortJson(b.digest, 80)} → ${shortJson(a.digest, 80)}`);
    if (b.version !== a.version) details.push(`~ version ${shortJson(b.version, 80)} → ${shortJson(a.version, 80)}`);
    if (details.length === 0) details.push(...jsonDiffLines(b, a));
    const digestSwapped = b.digest !== undefined && a.digest !== undefined && b.digest !== a.digest;
    const summary = digestSwapped
      ? `Model ${quoteName(subject)} digest changed under the same name: ${shortJson(b.digest, 24)} → ${shortJson(a.digest, 24)}`
      : `Model ${quoteName(subject)} changed: ${details[0]?.slice(2) ?? ''}`;
    out.push(makeChange('model.changed', subject, summary, { before: b, after: a }, { details, grade: digestSwapped ? 'digest-swapped' : undefined }));
  }
  for (const b of m.removed) out.push(makeChange('model.removed', subjectOf(b), `Model ${quoteName(subjectOf(b))} no longer served`, { before: b }));
  for (const a of m.added) out.push(makeChange('model.added', subjectOf(a), `New model ${quoteName(subjectOf(a))} appeared`, { after: a }));
  return out;
}
