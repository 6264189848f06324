import type { ToolInfo } from '../schemas/snapshot.js';
import type { ToolFingerprints } from '../schemas/snapshot.js';
import { strongestGrade } from '../kind-severity.js';
import { compareStrings, fingerprintTool, normalizeAnnotations, toolContentKey } from '../fingerprint.js';
import type { Change } from './types.js';
import { makeChange, quoteName } from './format.js';
import { matchByKey } from './match.js';
import { describeTextChange, lengthDelta } from './text.js';
import { compareSchemas, gradeSchemaChange } from './schema-widening.js';
import { compareAnnotations } from './annotations.js';
import { jsonDiffLines, jsonEqual } from './json-diff.js';

interface Fp {
  tool: ToolInfo;
  fp: ToolFingerprints;
}

/** Per-name tool fingerprints a snapshot already carries (computed once, by the poller). */
export type KnownToolFingerprints = Readonly<Record<string, ToolFingerprints>>;

/**
 * Tool changes: matched by name; a remove+add with identical content is one rename. The
 * fingerprints a snapshot carries are used where they describe one tool (a name listed once),
 * so a drift of one tool does not canonicalise and hash every tool of both lists again; they are
 * as trusted as the snapshot fingerprint that already decides whether anything changed at all.
 */
export function diffTools(before: readonly ToolInfo[], after: readonly ToolInfo[], known: { before?: KnownToolFingerprints; after?: KnownToolFingerprints } = {}): Change[] {
  const m = matchByKey(withFingerprints(before, known.before), withFingerprints(after, known.after), (x) => x.tool.name, (x) => x.fp.tool);
  const changes: Change[] = [];
  for (const { before: b, after: a } of m.pairs) {
    if (b.fp.tool !== a.fp.tool) changes.push(...diffTool(b, a));
  }
  const { renames, removed, added } = pairRenames(m.removed, m.added);
  for (const [b, a] of renames) changes.push(renamed(b, a));
  for (const b of removed) {
    changes.push(makeChange('tool.removed', b.tool.name, `Tool ${quoteName(b.tool.name)} was removed`, { before: b.tool }));
  }
  for (const a of added) changes.push(addedTool(a.tool));
  return changes;
}

function withFingerprints(tools: readonly ToolInfo[], known: KnownToolFingerprints | undefined): Fp[] {
  const seen = new Map<string, number>();
  if (known) for (const t of tools) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  return tools.map((tool) => {
    // A name listed twice has a merged entry (see fingerprintObservation): not this tool's own.
    const fp = known && seen.get(tool.name) === 1 && Object.hasOwn(known, tool.name) ? known[tool.name] : undefined;
    return { tool, fp: fp ?? fingerprintTool(tool) };
  });
}

function pairRenames(removed: Fp[], added: Fp[]): { renames: Array<[Fp, Fp]>; removed: Fp[]; added: Fp[] } {
  const byContent = new Map<string, Fp[]>();
  for (const r of [...removed].sort((x, y) => compareStrings(x.tool.name, y.tool.name))) {
    const k = toolContentKey(r.fp);
    byContent.set(k, [...(byContent.get(k) ?? []), r]);
  }
  const renames: Array<[Fp, Fp]> = [];
  const stillAdded: Fp[] = [];
  for (const a of [...added].sort((x, y) => compareStrings(x.tool.name, y.tool.name))) {
    const candidates = byContent.get(toolContentKey(a.fp));
    const b = candidates?.shift();
    if (b) renames.push([b, a]);
    else stillAdded.push(a);
  }
  const used = new Set(renames.map(([b]) => b));
  return { renames, removed: removed.filter((r) => !used.has(r)), added: stillAdded };
}

function renamed(b: Fp, a: Fp): Change {
  const details = jsonEqual(b.tool._meta, a.tool._meta) ? [] : jsonDiffLines(b.tool._meta, a.tool._meta, '_meta');
  return makeChange(
    'tool.renamed',
    a.tool.name,
    `Tool ${quoteName(b.tool.name)} renamed to ${quoteName(a.tool.name)}`,
    { before: b.tool.name, after: a.tool.name },
    { details },
  );
}

function addedTool(tool: ToolInfo): Change {
  const props = tool.inputSchema.properties;
  const names = props && typeof props === 'object' && !Array.isArray(props) ? Object.keys(props).sort(compareStrings) : [];
  const details = [`description: ${tool.description?.length ?? 0} chars`, `input properties: ${names.length > 0 ? names.join(', ') : '(none)'}`];
  return makeChange('tool.added', tool.name, `New tool ${quoteName(tool.name)} appeared`, { after: tool }, { details });
}

function diffTool(b: Fp, a: Fp): Change[] {
  const name = a.tool.name;
  const q = quoteName(name);
  const out: Change[] = [];
  if (b.fp.description !== a.fp.description) out.push(descriptionChanged(b.tool, a.tool));
  if (b.fp.inputSchema !== a.fp.inputSchema) {
    const { comparison: cmp, grade } = gradeSchemaChange(b.tool.inputSchema, a.tool.inputSchema);
    const first = cmp.findings[0]?.text ?? '';
    const more = cmp.findings.length > 1 ? ` (and ${cmp.findings.length - 1} more)` : '';
    out.push(
      makeChange(
        'tool.input_schema_changed',
        name,
        `Tool ${q} input schema ${cmp.verdict}: ${first}${more}`,
        { before: b.tool.inputSchema, after: a.tool.inputSchema },
        { details: cmp.findings.map((f) => `${f.text} [${f.direction}, ${f.severity}]`), grade },
      ),
    );
  }
  if (b.fp.outputSchema !== a.fp.outputSchema) {
    const bs = b.tool.outputSchema;
    const as = a.tool.outputSchema;
    const details =
      bs === undefined ? ['+ outputSchema'] : as === undefined ? ['- outputSchema'] : compareSchemas(bs, as).findings.map((f) => f.text);
    const what = bs === undefined ? 'added' : as === undefined ? 'removed' : 'changed';
    out.push(makeChange('tool.output_schema_changed', name, `Tool ${q} output schema ${what}`, { before: bs ?? null, after: as ?? null }, { details }));
  }
  const metaChanged = !jsonEqual(b.tool._meta, a.tool._meta);
  if (b.fp.annotations !== a.fp.annotations || metaChanged) out.push(annotationsChanged(b.tool, a.tool, metaChanged));
  return out;
}

function descriptionChanged(b: ToolInfo, a: ToolInfo): Change {
  const q = quoteName(a.name);
  const titleChanged = b.title !== a.title;
  const descChanged = b.description !== a.description;
  const details = [...describeTextChange('description', b.description, a.description), ...describeTextChange('title', b.title, a.title)];
  let summary: string;
  let evidence: Change['evidence'];
  if (descChanged && !titleChanged) {
    summary = `Tool ${q} description changed (${lengthDelta(b.description, a.description)})`;
    evidence = { before: b.description ?? null, after: a.description ?? null };
  } else if (!descChanged) {
    summary = `Tool ${q} title changed (${lengthDelta(b.title, a.title)})`;
    evidence = { before: b.title ?? null, after: a.title ?? null };
  } else {
    summary = `Tool ${q} description and title changed (${lengthDelta(b.description, a.description)})`;
    evidence = { before: { title: b.title ?? null, description: b.description ?? null }, after: { title: a.title ?? null, description: a.description ?? null } };
  }
  return makeChange('tool.description_changed', a.name, summary, evidence, { details });
}

function annotationsChanged(b: ToolInfo, a: ToolInfo, metaChanged: boolean): Change {
  const cmp = compareAnnotations(b.annotations, a.annotations);
  const lines = cmp.findings.map((f) => f.text);
  // `_meta` has no kind of its own; it is tool metadata like the annotations, and a fingerprint
  // change must never go unexplained.
  const metaLines = metaChanged ? jsonDiffLines(b._meta, a._meta, '_meta') : [];
  const escalated = cmp.findings.filter((f) => f.direction === 'escalation');
  const q = quoteName(a.name);
  const headline = escalated[0] ?? cmp.findings[0];
  const summary = headline
    ? `Tool ${q} annotations ${escalated.length > 0 ? 'escalated' : 'changed'}: ${headline.text}${cmp.findings.length > 1 ? ` (and ${cmp.findings.length - 1} more)` : ''}`
    : `Tool ${q} metadata (_meta) changed`;
  // A _meta change alone is graded as the kind's default.
  const grade = strongestGrade('tool.annotations_changed', [cmp.grade, ...(metaChanged ? [undefined] : [])]);
  const evidence = cmp.findings.length > 0 || !metaChanged
    ? { before: normalizeAnnotations(b.annotations), after: normalizeAnnotations(a.annotations) }
    : { before: b._meta ?? null, after: a._meta ?? null };
  return makeChange('tool.annotations_changed', a.name, summary, evidence, { details: [...lines, ...metaLines], grade });
}
