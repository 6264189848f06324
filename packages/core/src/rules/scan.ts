import type { Observation, ToolInfo } from '../schemas/snapshot.js';
import { corroborate, strongestPerField } from './corroborate.js';
import { detectConfusableName, detectInvisible, detectMixedScriptWords } from './detect-unicode.js';
import { detectEncoded, detectExfilChannel, detectPhrases, detectSecrets, detectSensitive, matchText } from './detect-text.js';
import { detectCrossServer, detectExfilParams, detectShadowing, indexOthers } from './detect-tool.js';
import { concealsFromUser, detectDirectives, gradeDirectives } from './detect-directive.js';
import { promptFields, resourceFields, toolFields } from './fields.js';
import { NO_PURPOSE, jobWordsOf, purposeOf } from './purpose.js';
import type { Finding, ScanContext, TextField, TextKind } from './types.js';

const NAMES: ReadonlySet<TextKind> = new Set(['tool-name', 'param-name', 'prompt-name', 'server-name']);
const PROSE: ReadonlySet<TextKind> = new Set(['title', 'description', 'param-description', 'instructions', 'prompt-text']);
const VALUES: ReadonlySet<TextKind> = new Set(['enum', 'default']);

/** Phrase and channel rules on decoded text, for encoded-blob escalation (no further decoding). */
function rescan(decoded: string): Finding[] {
  const f: TextField = { field: 'decoded', kind: 'description', text: decoded.slice(0, 8192) };
  const n = matchText(f);
  return [...detectPhrases(f, n), ...detectExfilChannel(f, n), ...detectSensitive(f, n).map((h) => h.finding)];
}

/** Every rule that looks at one text on its own. */
function scanField(f: TextField): Finding[] {
  const out: Finding[] = [...detectInvisible(f), ...detectSecrets(f)];
  if (f.kind === 'meta') return out;
  const n = matchText(f);
  if (NAMES.has(f.kind)) {
    out.push(...detectConfusableName(f), ...detectPhrases(f, n));
    return out;
  }
  if (PROSE.has(f.kind) || VALUES.has(f.kind)) {
    out.push(...detectMixedScriptWords(f), ...detectPhrases(f, n), ...detectExfilChannel(f, n), ...detectEncoded(f, n, rescan));
    out.push(...detectSensitive(f, n).map((h) => h.finding));
  }
  return out;
}

interface UnitContext {
  own: ReadonlySet<string>;
  others: ReturnType<typeof indexOthers>;
  /** Per-text findings of this scan, by kind and text (see `scanFieldOnce`). */
  memo: Map<string, Finding[]>;
}

/**
 * `scanField` depends only on a field's kind and text (its path and tool only label the finding),
 * and a server repeats its texts: "The ID of the project" under hundreds of tools. Within one scan
 * each distinct text is scanned once and its findings copied under the other fields' labels. The
 * memo lives as long as the scan, so a scanned server is never served from an older scan.
 */
function scanFieldOnce(f: TextField, memo: Map<string, Finding[]>): Finding[] {
  const key = `${f.kind}\u0000${f.text}`;
  const seen = memo.get(key);
  const label = (x: Finding): Finding => {
    const out: Finding = { ...x, field: f.field, evidence: { ...x.evidence } };
    if (f.tool !== undefined) out.tool = f.tool;
    else delete out.tool;
    return out;
  };
  if (seen) return seen.map(label);
  const found = scanField(f);
  // Later steps change severities and messages in place: keep pristine copies.
  memo.set(key, found.map(label));
  return found;
}

/** The tool a unit describes, for weighing directives against its declared job. */
interface UnitTool {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  params: string[];
}

function unitToolOf(tool: ToolInfo): UnitTool {
  const props = (tool.inputSchema as { properties?: unknown }).properties;
  const params = typeof props === 'object' && props !== null && !Array.isArray(props) ? Object.keys(props).slice(0, 200) : [];
  return { name: tool.name, title: tool.title, description: tool.description, params };
}

function scanUnit(fields: readonly TextField[], u: UnitContext, tool?: UnitTool): Finding[] {
  const raw: Finding[] = [];
  for (const f of fields) {
    raw.push(...scanFieldOnce(f, u.memo));
    raw.push(...detectCrossServer(f, u.own, u.others));
    if (tool) raw.push(...detectShadowing(f, u.others));
  }
  raw.push(...detectExfilParams(fields));
  raw.push(
    ...detectDirectives({
      fields,
      own: u.own,
      ...(tool ? { self: tool.name } : {}),
      params: tool?.params ?? [],
      purpose: tool ? purposeOf(tool.name, tool.title, tool.description, tool.params) : NO_PURPOSE,
      jobWords: tool ? jobWordsOf(tool.name, tool.description) : new Set<string>(),
    }),
  );
  return gradeDirectives(corroborate(strongestPerField(raw)), concealsFromUser(fields));
}

export function scanTools(tools: readonly ToolInfo[], ctx?: ScanContext): Finding[] {
  const u: UnitContext = { own: new Set(tools.map((t) => t.name)), others: indexOthers(ctx), memo: new Map() };
  const out: Finding[] = [];
  for (const tool of tools) out.push(...scanUnit(toolFields(tool), u, unitToolOf(tool)));
  return out;
}

/**
 * One tool's findings, given the names of all its server's tools (`own`). A tool's findings
 * depend only on its own text, `own` and the other servers' names: a caller that kept them can
 * reuse them for an unchanged tool of a snapshot whose other tools changed.
 */
export function scanTool(tool: ToolInfo, own: ReadonlySet<string>, ctx?: ScanContext): Finding[] {
  return scanUnit(toolFields(tool), { own, others: indexOthers(ctx), memo: new Map() }, unitToolOf(tool));
}

type ServerText = Pick<Observation, 'tools' | 'prompts' | 'instructions'> & Partial<Pick<Observation, 'serverInfo' | 'resources'>>;

export function scanObservation(obs: ServerText, ctx?: ScanContext): Finding[] {
  return [...scanTools(obs.tools, ctx), ...scanServerText(obs, ctx)];
}

/** Everything but the tools: instructions, server name, prompts, resources. */
export function scanServerText(obs: ServerText, ctx?: ScanContext): Finding[] {
  const u: UnitContext = { own: new Set(obs.tools.map((t) => t.name)), others: indexOthers(ctx), memo: new Map() };
  const out: Finding[] = [];
  if (obs.instructions) {
    out.push(...scanUnit([{ field: 'instructions', kind: 'instructions', text: obs.instructions }], u));
  }
  if (obs.serverInfo) {
    const si: TextField[] = [{ field: 'serverInfo.name', kind: 'server-name', text: obs.serverInfo.name }];
    if (obs.serverInfo.title) si.push({ field: 'serverInfo.title', kind: 'title', text: obs.serverInfo.title });
    out.push(...scanUnit(si, u));
  }
  for (const p of obs.prompts) out.push(...scanUnit(promptFields(p), u));
  for (const r of obs.resources ?? []) out.push(...scanUnit(resourceFields(r), u));
  return out;
}
