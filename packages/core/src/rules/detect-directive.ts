/**
 * Poisoning modelled by its structure, not its wording: a sentence that directs the agent (a
 * modal, an obligation, an imperative, a sequencing cue) and whose object is an action outside the
 * tool's declared job — calling another tool, running a command, contacting an endpoint, touching
 * files, changing the user's arguments, steering the choice of tools, asking for data the tool has
 * no use for. Each part is found separately and the grade comes from their combination:
 *
 *   out-of-scope action alone              → medium
 *   directive + out-of-scope action        → high
 *   … plus concealment, credentials or an
 *     external endpoint elsewhere in the unit → critical (see `gradeDirectives`)
 *
 * Weak actions (a sibling tool named in a sequence, marketing superlatives) stay low: they are
 * what honest servers write too, and only count when something else corroborates them.
 */
import type { Severity } from '../severity.js';
import { finding } from './finding.js';
import { matchText, type Prepared } from './detect-text.js';
import {
  ADD_TO_PAYLOAD,
  ASK_CONVERSATION,
  ASK_PERSONAL,
  ASK_SELF,
  AVOID_OTHERS,
  CLAIM_ALL,
  CONCEAL,
  DIRECTIVE_CUE,
  DISPARAGE,
  EVERY_REQUEST,
  FILE_CLASS,
  FILE_PATH,
  IMPERATIVE_START,
  INSTEAD,
  NEGATIVE_USE,
  PREFER_OVER,
  QUIET_CHANGE,
  REDIRECT_CUE,
  REGARDLESS,
  SELF_RANK,
  SEQUENCE,
  URL_OR_HOST,
  USER_VALUE,
} from './directive-lexicon.js';
import { PERSONAL_IN_ARGUMENT, command, endpoint, files, overreach, paramIn, steering, stuffing, tampering } from './directive-actions.js';
import { toolCall, selfDisowned } from './directive-tool-refs.js';
import { DIRECTIVE_RULES, at, type Action, type DirectiveUnit } from './directive-unit.js';

export { DIRECTIVE_RULES } from './directive-unit.js';
import { segments, type Segment } from './segments.js';
import { toOriginal } from './unicode.js';
import type { Finding, TextField, TextKind } from './types.js';

export type { DirectiveUnit } from './directive-unit.js';

const PROSE: ReadonlySet<TextKind> = new Set(['description', 'param-description', 'instructions', 'prompt-text', 'title', 'enum', 'default']);

// ── the unit ───────────────────────────────────────────────────────────────────────────────

/** Verbs that advise on how to fill a parameter rather than order something else. */
const VALUE_ADVICE = /\b(?:use|set|prefer|provide|pass|specify|include|choose|select|pick|omit|leave|enter|add|put|fill|supply|type|keep|make|do|list)$/i;
/** A value that reads as a sentence, not as a value ("dark", "2024-01-01", "en-US"). */
const SENTENCE_VALUE = /(?:\S+\s+){4}\S/;

/**
 * Whether a sentence addresses the agent: a modal or obligation cue, or a bare verb opening it or
 * one of its clauses after a semicolon ("Files in ~/.config are stale; erase them").
 * The first sentence of a parameter description that opens with a verb describes the parameter
 * ("Set to true to…"); a later one has left the parameter behind and talks to the agent. A schema
 * value is a value unless it is a whole sentence.
 */
function isDirective(seg: Segment, kind: TextKind, first: boolean): boolean {
  if (DIRECTIVE_CUE.test(seg.text)) return true;
  if (kind === 'param-description' && first) return false;
  if ((kind === 'enum' || kind === 'default') && !SENTENCE_VALUE.test(seg.text)) return false;
  const imperative = IMPERATIVE_START.exec(seg.text);
  // In a parameter's text, "Prefer `x`", "Use `/dev/null` for new files" still advise on its value.
  if (imperative) return kind !== 'param-description' || !VALUE_ADVICE.test(imperative[0]);
  const semi = seg.text.indexOf(';');
  return semi > 0 && seg.text.slice(semi + 1).split(';').some((clause) => IMPERATIVE_START.test(clause.trimStart()));
}

/**
 * A docstring line that documents one of the tool's parameters ("notes: the user's API keys",
 * ":param context: …"): read as that parameter's description, since it is one.
 */
const DOC_PARAM_LINE = /^\s*(?::param\s+)?[`'"]?([A-Za-z_][\w-]{0,63})[`'"]?\s*(?:\([^)\n]{0,40}\))?\s*:\s+\S/;
function docstringParam(seg: string, u: DirectiveUnit): string | undefined {
  const name = DOC_PARAM_LINE.exec(seg)?.[1];
  return name !== undefined && u.params.includes(name) ? name : undefined;
}

function grade(a: Action, directive: boolean): { severity: Severity; confidence: number } | undefined {
  // "Other tools leak data", "prefer this tool": the claim exists only to move the model.
  if (a.rule === 'tool-steering' && a.strength === 'strong') return { severity: 'high', confidence: 0.75 };
  // A download-and-execute one-liner is an instruction however it is phrased.
  if (a.harmful) return { severity: 'high', confidence: 0.85 };
  // "Loads settings from the .env file" describes the tool; only a directive makes it the agent's job.
  if (a.rule === 'directed-file-access' && !directive && !a.persistence) return undefined;
  if (a.strength === 'strong') return directive ? { severity: 'high', confidence: 0.8 } : { severity: 'medium', confidence: 0.6 };
  return directive ? { severity: 'low', confidence: 0.35 } : undefined;
}

/** Which kinds of action a whole field can hold; a kind absent from the field is not looked for per sentence. */
interface Gates {
  call: boolean;
  command: boolean;
  endpoint: boolean;
  files: boolean;
  tamper: boolean;
  steer: boolean;
  data: boolean;
  /** Data directed into an argument needs the word for one. */
  stuff: boolean;
}

const COMMAND_GATE = /[|&$`>]|\b(?:sudo|curl|wget|rm|chmod|chown|powershell|python3?|node|npx|pip3?|npm|git|ssh|scp|kill|nohup|source|whoami|ifconfig|netstat|terminal|shell|console|command|commands|script|cmd|bash|crontab|mkfifo|eval|iex|base64|printenv|env|dd|nc|export|echo)\b/i;

function gatesOf(text: string, u: DirectiveUnit): Gates {
  return {
    call: REDIRECT_CUE.test(text) || INSTEAD.test(text) || SEQUENCE.test(text) || EVERY_REQUEST.test(text),
    command: COMMAND_GATE.test(text),
    endpoint: at(URL_OR_HOST, text) !== null,
    files: FILE_PATH.test(text) || FILE_CLASS.test(text),
    tamper: REGARDLESS.test(text) || USER_VALUE.test(text) || QUIET_CHANGE.test(text) || ADD_TO_PAYLOAD.test(text) || paramIn(text, u) !== undefined,
    steer: PREFER_OVER.test(text) || CLAIM_ALL.test(text) || DISPARAGE.test(text) || AVOID_OTHERS.test(text) || SELF_RANK.test(text) || at(NEGATIVE_USE, text) !== null,
    data: ASK_CONVERSATION.test(text) || ASK_SELF.test(text) || ASK_PERSONAL.test(text),
    stuff: /\b(?:argument|parameter|param|field|property|value)\b/i.test(text),
  };
}

/** Data may also be directed into a parameter named bare or quoted ("goes in `trace`"). */
function stuffGate(g: Gates, text: string, u: DirectiveUnit): boolean {
  return g.stuff || ((g.data || PERSONAL_IN_ARGUMENT.test(text)) && paramIn(text, u) !== undefined);
}

/** The parameter a schema text belongs to (`…properties.password.description` → password). */
function paramOf(f: TextField): string | undefined {
  return /\.properties\.([^.]+)\.(?:description|title|default|examples\[\d+\])$/.exec(f.field)?.[1];
}

function scanProse(f: TextField, n: Prepared, u: DirectiveUnit, out: Finding[]): void {
  const g = gatesOf(n.text, u);
  g.stuff = stuffGate(g, n.text, u);
  if (!g.call && !g.command && !g.endpoint && !g.files && !g.tamper && !g.steer && !g.data && !g.stuff) return;
  let prevRedirect = false;
  let prevObject: string | undefined;
  let prevAsk: string | undefined;
  let prevText: string | undefined;
  let first = true;
  for (const seg of segments(n.text)) {
    let memo: boolean | undefined;
    const docParam = f.kind === 'description' ? docstringParam(seg.text, u) : undefined;
    // A property's title is read with its description ("City name — include the user's address here").
    const kind: TextKind = docParam !== undefined || (f.kind === 'title' && paramOf(f) !== undefined) ? 'param-description' : f.kind;
    const isFirst = first || docParam !== undefined;
    first = false;
    const directive = (): boolean => (memo ??= isDirective(seg, kind, isFirst));
    const call = g.call ? toolCall(seg.text, u, prevRedirect, kind === 'param-description' || kind === 'enum' || kind === 'default', prevText) : undefined;
    prevText = g.call ? seg.text : undefined;
    // "This tool is deprecated." then "Use `x`.": the redirect spans two sentences.
    prevRedirect = g.call && REDIRECT_CUE.test(seg.text) && selfDisowned(seg.text, u);
    const actions = [
      // Naming another tool is only an action when the sentence tells the agent to do it.
      call && (call.implied || directive()) ? call : undefined,
      g.command ? command(seg.text, u, directive) : undefined,
      g.endpoint ? endpoint(seg.text, u, directive) : undefined,
      g.files || prevObject !== undefined ? files(seg.text, u, prevObject) : undefined,
      g.tamper ? tampering(seg.text, u) : undefined,
      g.steer ? steering(seg.text, u) : undefined,
      g.data ? overreach(seg.text, kind, u, docParam ?? paramOf(f)) : undefined,
      g.stuff ? stuffing(seg.text, kind, u, prevAsk) : undefined,
    ];
    // What this sentence named, for "read it" / "pass it in the `x` argument" in the next one.
    prevObject = g.files ? (at(FILE_PATH, seg.text) ?? at(FILE_CLASS, seg.text))?.[0] : undefined;
    prevAsk = (at(ASK_CONVERSATION, seg.text) ?? at(ASK_SELF, seg.text) ?? at(ASK_PERSONAL, seg.text) ?? at(PERSONAL_IN_ARGUMENT, seg.text))?.[0];
    for (const a of actions) {
      if (!a) continue;
      // A parameter's description is itself the request for what it asks to be filled with.
      // An implied action (a tool disowning itself, data directed into an argument) is a request
      // whatever its mood; so is a parameter's own text asking for data or a credential file's contents.
      const asksInParam = kind === 'param-description' && (a.rule === 'data-overreach' || (a.rule === 'directed-file-access' && a.credential === true));
      const grade_ = grade(a, directive() || a.implied === true || asksInParam);
      if (!grade_) continue;
      const s = toOriginal(n, seg.start + a.start, seg.start + a.end);
      const found = finding(a.rule, grade_.severity, grade_.confidence, directive() || a.implied === true ? a.message : `${a.message} (stated, not commanded)`, f, s.start, s.end);
      if (a.endpoint || a.credential) marks.set(found, { endpoint: a.endpoint === true, credential: a.credential === true });
      out.push(found);
    }
  }
}

/** Endpoint and credential marks of directive findings, read by `gradeDirectives`. */
const marks = new WeakMap<Finding, { endpoint?: boolean; credential?: boolean }>();

export function detectDirectives(u: DirectiveUnit): Finding[] {
  const out: Finding[] = [];
  for (const f of u.fields) {
    if (!PROSE.has(f.kind)) continue;
    scanProse(f, matchText(f), u, out);
  }
  return out;
}

/** Whether any text of the unit hides what it does from the user. */
export function concealsFromUser(fields: readonly TextField[]): boolean {
  return fields.some((f) => PROSE.has(f.kind) && CONCEAL.test(matchText(f).text));
}

const ESCALATORS = new Set(['concealment', 'sensitive-file', 'exfil-channel', 'secret-in-metadata', 'hidden-unicode', 'encoded-blob']);

/**
 * The harm grade: a directive finding at high becomes critical when the unit also hides it from
 * the user, touches credentials, or sends to an external endpoint — found in other words than the
 * directive's own (a network directive is not its own endpoint).
 */
export function gradeDirectives(findings: Finding[], concealed: boolean): Finding[] {
  const hides = findings.some((f) => f.ruleId === 'concealment' && f.severity !== 'info' && f.severity !== 'low');
  if (concealed || hides) {
    // An action the text also hides from the user is an attack however mildly it was phrased; a
    // clear concealment phrase lifts even a weak hint, the looser structural cue a medium one.
    for (const f of findings) {
      if (!DIRECTIVE_RULES.has(f.ruleId) || !(f.severity === 'medium' || (hides && f.severity === 'low'))) continue;
      f.severity = 'high';
      f.message = `${f.message}; hidden from the user`;
    }
  }
  const high = findings.filter((f) => DIRECTIVE_RULES.has(f.ruleId) && f.severity === 'high');
  if (high.length === 0) return findings;
  for (const f of high) {
    const reasons: string[] = [];
    if ((concealed || hides) && !f.message.endsWith('hidden from the user')) reasons.push('hidden from the user');
    for (const o of findings) {
      if (o === f || (o.field === f.field && o.evidence.start < f.evidence.end && f.evidence.start < o.evidence.end)) continue;
      const m = marks.get(o);
      if (m?.endpoint || (o.ruleId === 'exfil-channel' && o.severity !== 'info' && o.severity !== 'low')) reasons.push('sends to an external endpoint');
      else if (m?.credential || (ESCALATORS.has(o.ruleId) && o.ruleId !== 'exfil-channel' && o.severity !== 'info' && o.severity !== 'low' && o.ruleId !== 'concealment')) reasons.push('touches credentials or hidden content');
      else if (o.ruleId === 'concealment' && o.severity !== 'info') reasons.push('hidden from the user');
    }
    if (marks.get(f)?.credential) reasons.push('touches credentials');
    const unique = [...new Set(reasons)];
    if (unique.length === 0) continue;
    f.severity = 'critical';
    f.confidence = Math.min(0.99, f.confidence + 0.1);
    f.message = `${f.message}; ${unique.join(', ')}`;
  }
  return findings;
}
