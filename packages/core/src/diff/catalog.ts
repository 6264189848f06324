import type { PromptInfo, ResourceInfo, ResourceTemplateInfo } from '../schemas/snapshot.js';
import type { ChangeKindName } from '../schemas/alert.js';
import { fingerprintJson } from '../canonical.js';
import type { Change } from './types.js';
import { makeChange, quoteName } from './format.js';
import { matchByKey } from './match.js';
import { jsonDiffLines, jsonEqual } from './json-diff.js';
import { describeTextChange } from './text.js';

interface Spec<T> {
  noun: string;
  key: (t: T) => string;
  kinds: { added: ChangeKindName; removed: ChangeKindName; changed: ChangeKindName };
}

function diffList<T extends { description?: string | undefined }>(before: readonly T[], after: readonly T[], spec: Spec<T>): Change[] {
  const m = matchByKey(before, after, spec.key, (t) => fingerprintJson(t));
  const out: Change[] = [];
  for (const { before: b, after: a } of m.pairs) {
    if (jsonEqual(b, a)) continue;
    const subject = spec.key(a);
    // The description is the text most likely to carry an injected instruction; show it as text.
    const { description: bd, ...brest } = b;
    const { description: ad, ...arest } = a;
    const details = [...describeTextChange('description', bd, ad), ...jsonDiffLines(brest, arest)];
    const what = bd !== ad ? 'description changed' : 'changed';
    out.push(makeChange(spec.kinds.changed, subject, `${spec.noun} ${quoteName(subject)} ${what}`, { before: b, after: a }, { details }));
  }
  for (const b of m.removed) {
    out.push(makeChange(spec.kinds.removed, spec.key(b), `${spec.noun} ${quoteName(spec.key(b))} was removed`, { before: b }));
  }
  for (const a of m.added) {
    out.push(makeChange(spec.kinds.added, spec.key(a), `New ${spec.noun.toLowerCase()} ${quoteName(spec.key(a))} appeared`, { after: a }));
  }
  return out;
}

const PROMPT_KINDS = { added: 'prompt.added', removed: 'prompt.removed', changed: 'prompt.changed' } as const;
const RESOURCE_KINDS = { added: 'resource.added', removed: 'resource.removed', changed: 'resource.changed' } as const;

export function diffPrompts(before: readonly PromptInfo[], after: readonly PromptInfo[]): Change[] {
  return diffList(before, after, { noun: 'Prompt', key: (p) => p.name, kinds: PROMPT_KINDS });
}

export function diffResources(before: readonly ResourceInfo[], after: readonly ResourceInfo[]): Change[] {
  return diffList(before, after, { noun: 'Resource', key: (r) => r.uri, kinds: RESOURCE_KINDS });
}

export function diffResourceTemplates(before: readonly ResourceTemplateInfo[], after: readonly ResourceTemplateInfo[]): Change[] {
  return diffList(before, after, { noun: 'Resource template', key: (t) => t.uriTemplate, kinds: RESOURCE_KINDS });
}
