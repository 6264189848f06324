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
import type { RuleId } from './catalog.js';
import { finding } from './finding.js';
import { matchText, type Prepared } from './detect-text.js';
import {
  ADD_TO_PAYLOAD,
  ASK_CONVERSATION,
  ASK_PERSONAL,
  ASK_SELF,
  ASK_VERB,
  AVOID_OTHERS,
  CLAIM_ALL,
  COMMAND_SYNTAX,
  CONCEAL,
  DANGEROUS_COMMAND,
  DIRECTIVE_CUE,
  DISPARAGE,
  DOC_CONTEXT,
  EVERY_REQUEST,
  FETCH_FROM_ENDPOINT,
  FILE_CLASS,
  FILE_DELETE_VERB,
  FILE_PATH,
  FILE_READ_VERB,
  FILE_WRITE_VERB,
  IDENT_REF,
  IMPERATIVE_START,
  PRETEXT,
  DATA_FLOW,
  INSTEAD,
  SCOPED,
  CALL_VERB,
  NOT_A_TOOL,
  PREFER_OVER,
  QUIET_CHANGE,
  QUOTED_REF,
  REDIRECT_CUE,
  REGARDLESS,
  RUN_COMMAND,
  SELF_RANK,
  SEND_TO_ENDPOINT,
  SEQUENCE,
  TAMPER_VERB,
  URL_OR_HOST,
  USER_VALUE,
} from './directive-lexicon.js';
import type { Area, Purpose } from './purpose.js';
import { segments, type Segment } from './segments.js';
import { toOriginal } from './unicode.js';
import type { Finding, TextField, TextKind } from './types.js';

export interface DirectiveUnit {
  fields: readonly TextField[];
  /** Names of the tools on the same server (a sibling named in a sequence is ordinary). */
  own: ReadonlySet<string>;
  /** This tool's own name, when the unit is a tool. */
  self?: string;
  /** This tool's parameter names: changing one of them against the user is tampering. */
  params: readonly string[];
  purpose: Purpose;
  /** Lower-cased words of the tool's name and first sentence, for verbs such as "delete". */
  jobWords: ReadonlySet<string>;
}

const PROSE: ReadonlySet<TextKind> = new Set(['description', 'param-description', 'instructions', 'prompt-text', 'title', 'enum', 'default']);

type Strength = 'strong' | 'weak';
interface Action {
  rule: RuleId;
  strength: Strength;
  /** Local offsets inside the segment. */
  start: number;
  end: number;
  message: string;
  /** Reaches an external endpoint: escalates other directives to critical. */
  endpoint?: boolean;
  /** Touches credentials or secret stores. */
  credential?: boolean;
  /** A command harmful whatever the tool is for. */
  harmful?: boolean;
  /** Writes a file that runs at login or on a git event. */
  persistence?: boolean;
  /** The sentence directs the agent even without a modal (a tool disowning itself for another). */
  implied?: boolean;
}

const inScope = (u: DirectiveUnit, ...areas: Area[]): boolean => areas.some((a) => u.purpose.has(a));
/** First match; a global pattern's lastIndex is left at 0, since matchAll starts from it. */
const at = (re: RegExp, s: string): RegExpExecArray | null => {
  re.lastIndex = 0;
  const m = re.exec(s);
  re.lastIndex = 0;
  return m;
};

// ── actions ────────────────────────────────────────────────────────────────────────────────

/** Words after an identifier that make it a parameter, field or format rather than a tool. */
const NOT_TOOL_AFTER = /^[`'"’”]?\s{0,2}(?:parameters?|params?|fields?|arguments?|args?|options?|flags?|propert(?:y|ies)|keys?|values?|columns?|attributes?|variables?|settings?|prefix|suffix|format|mode|type|property|header|query\s+param|(?:in|inside|within)\s+(?:the|a|an|your|each)\s+(?:[\w-]+\s+)?(?:string|field|value|object|attribute|style|syntax|block|json|payload|schema|config|header|body|list|array|url|path|query))\b/i;
/** The identifier is what to avoid ("use this instead of `x`"), not what to call. */
const AVOIDED_BEFORE = /(?:instead\s+of|rather\s+than|over|in\s+place\s+of|not|never|avoid|than)\s+(?:the\s+|using\s+|calling\s+|multiple\s+|individual\s+)*[`'"‘“]?$/i;
const CALL_BEFORE = /\b(?:called|invoked|executed|via|call\s+to|(?:send|sent|transmit|forward|forwarded|pass|passed|go|goes|hand)\s+(?:\w+\s+){0,4}to|call|calling|invoke|invoking|run|execute|use|trigger|triggering|consult|switch\s+to|migrate\s+to|fall\s+back\s+to|defer\s+to|redirect(?:ed)?\s+to|route[ds]?\s+(?:it\s+|them\s+|requests?\s+)?to|hand\s+(?:it\s+|off\s+)?to|pass\s+(?:it|them|the\s+\w+)\s+to)\s+(?:the\s+|a\s+|our\s+|its\s+)?(?:new\s+|updated\s+|replacement\s+|official\s+)?[`'"‘“]?$/i;
/** "`x` must be called first", "`x` has been run": the identifier is the subject of a call. */
const CALLED_AFTER = /^[`'"’”]?\s{0,2}(?:\(\)\s*)?(?:has\s+been|have\s+been|is|was|be|must|should|shall|needs?\s+to|has\s+to|have\s+to|is\s+required\s+to|are\s+required\s+to)\s+(?:\w+\s+)?(?:be\s+)?(?:run|called|invoked|executed|triggered|used)\b/i;
/** A sequencing word right before the name ("first `x`", "after list_files"). */
const FIELD_LIKE = /(?:^|[_\-.]|[a-z](?=[A-Z]))(?:id|ids|Id|Ids|ID|token|Token|type|Type|name|Name|key|Key|url|Url|URL|uri|Uri|path|Path|count|Count|size|Size|limit|Limit|offset|Offset|cursor|Cursor|format|Format|mode|Mode|status|Status|date|Date|time|Time|value|Value|code|Code|number|Number|email|Email|address|Address|field|Field|label|Label|title|Title|text|Text|body|Body|content|Content|slug|Slug|version|Version|dir|Dir|file|File|flag|Flag|option|Option|config|Config)$/;
const SEQ_BEFORE = /\b(?:first|then|after|before|following|once|until|beforehand|afterwards)\s+(?:\w+\s+){0,2}[`'"‘“]?$/i;
const TOOL_AFTER = /^[`'"’”]?(?:\(\))?\s{0,2}(?:tool|function|endpoint|action|method|api|server|utility|command)\b/i;

const OWN_TOKEN = /[A-Za-z][\w.-]{2,63}/g;

interface ToolRef {
  name: string;
  start: number;
  end: number;
  sibling: boolean;
}

/** Own tool names the identifier stands for ("list-properties" for "hubspot-list-properties"). */
function isSibling(name: string, u: DirectiveUnit): boolean {
  if (u.own.has(name)) return true;
  if (name.length < 5) return false;
  for (const own of u.own) {
    if (own !== u.self && own.length > name.length && (own.endsWith(`-${name}`) || own.endsWith(`_${name}`) || own.endsWith(`.${name}`))) return true;
  }
  return false;
}

/**
 * Tools a sentence names: an own tool's name, or an identifier right after a call verb or right
 * before the word "tool". Identifiers that are parameters, formats or English compounds are not.
 */
function toolRefs(seg: string, u: DirectiveUnit, valueField = false): ToolRef[] {
  const out: ToolRef[] = [];
  const params = new Set(u.params.map((p) => p.toLowerCase()));
  const consider = (name: string, start: number, quoted: boolean): void => {
    const bare = name.replace(/\(\)$/, '').replace(/[.:]+$/, '');
    if (bare.length < 3 || bare === u.self || params.has(bare.toLowerCase()) || NOT_A_TOOL.test(bare) || /^[A-Z0-9_]+$/.test(bare)) return;
    if (out.some((r) => r.start === start)) return;
    const end = start + bare.length;
    const before = seg.slice(Math.max(0, start - (quoted ? 41 : 40)), quoted ? start - 1 : start);
    const after = seg.slice(quoted ? end + 1 : end, end + 24);
    if (NOT_TOOL_AFTER.test(seg.slice(end, end + 24)) || AVOIDED_BEFORE.test(before)) return;
    const sibling = isSibling(bare, u);
    // `page_token`, `app_id`, `pipelineChoiceName`: API fields, not tools (tools are verbs or agents).
    if (!sibling && FIELD_LIKE.test(bare) && !TOOL_AFTER.test(seg.slice(end, end + 24)) && !TOOL_AFTER.test(after)) return;
    const marked = CALL_BEFORE.test(before) || TOOL_AFTER.test(seg.slice(end, end + 24)) || TOOL_AFTER.test(after) || CALLED_AFTER.test(seg.slice(end, end + 40));
    // English compounds ("open-ended", "best-guess") are identifiers only when quoted or called.
    const kebabOnly = /^[a-z]+(?:-[a-z]+)+$/.test(bare) && !quoted;
    // In a parameter's own text a quoted plain word is one of its values ("Use 'desc' to sort").
    if (valueField && !sibling && /^[A-Za-z]+$/.test(bare)) return;
    const sequenced = SEQ_BEFORE.test(before) || CALLED_AFTER.test(seg.slice(end, end + 40));
    if (sibling ? !(marked || sequenced) : !marked || kebabOnly) return;
    out.push({ name: bare, start, end, sibling });
  };
  for (const m of seg.matchAll(QUOTED_REF)) consider(m[1] ?? '', (m.index ?? 0) + 1, true);
  for (const m of seg.matchAll(IDENT_REF)) consider(m[1] ?? '', m.index ?? 0, false);
  // Own tool names written as plain words ("call search first").
  if (u.own.size > 1) {
    OWN_TOKEN.lastIndex = 0;
    for (let m = OWN_TOKEN.exec(seg); m !== null; m = OWN_TOKEN.exec(seg)) if (u.own.has(m[0]) && m[0] !== u.self) consider(m[0], m.index, false);
  }
  return out;
}

/** The tool says it should not be used ("this tool is deprecated", "`self` is broken"). */
function selfDisowned(seg: string, u: DirectiveUnit): boolean {
  return /\bthis\s+(?:tool|endpoint|function|one|version)\b|^\W*(?:temporarily|currently)\b/i.test(seg) || (u.self !== undefined && seg.includes(u.self));
}

function toolCall(seg: string, u: DirectiveUnit, prevRedirect: boolean, valueField: boolean): Action | undefined {
  const redirect = at(REDIRECT_CUE, seg) ?? (prevRedirect ? at(INSTEAD, seg) ?? at(CALL_VERB, seg) : null);
  const instead = redirect ? null : at(INSTEAD, seg);
  const sequence = redirect ? null : at(SEQUENCE, seg);
  const every = EVERY_REQUEST.test(seg);
  if (!redirect && !instead && !sequence && !every) return undefined;
  const refs = toolRefs(seg, u, valueField);
  const foreign = refs.find((r) => !r.sibling);
  const ref = foreign ?? refs[0];
  if (!ref) return undefined;
  // A server's own workflow ("use `list_files` first to find the path") is ordinary, and so is
  // advice narrowed to some requests ("For past dates, use `x` instead"); the same order imposed
  // on every request, a tool nobody on this server provides, or a tool disowning itself is not.
  const scopedAdvice = !redirect && !sequence && !every && SCOPED.test(seg);
  const disowned = redirect !== null && (prevRedirect || selfDisowned(seg, u));
  const forced = PRETEXT.test(seg) && !DATA_FLOW.test(seg);
  // A foreign tool in plain "use X instead" advice, or with a reason of its own ("first, to
  // understand the schema"), is guidance; in a sequence imposed without a reason it is not.
  const foreignForced = foreign !== undefined && (redirect !== null || sequence !== null || every) && !DATA_FLOW.test(seg);
  const strength: Strength = (foreignForced || every || disowned || forced) && !scopedAdvice ? 'strong' : 'weak';
  const what = redirect || instead ? `redirects the agent to \`${ref.name}\`` : `directs the agent to call \`${ref.name}\``;
  return { rule: 'directed-tool-call', strength, start: ref.start, end: ref.end, message: ref.sibling ? `${what} (a tool of this server)` : `${what}, which this server does not provide`, ...(disowned ? { implied: true } : {}) };
}

function command(seg: string, u: DirectiveUnit, directive: () => boolean): Action | undefined {
  const danger = at(DANGEROUS_COMMAND, seg);
  if (danger) return { rule: 'directed-command', strength: 'strong', harmful: true, start: danger.index, end: danger.index + danger[0].length, message: `contains a harmful shell command (${danger[0].slice(0, 60)})` };
  if (inScope(u, 'shell')) return undefined;
  const syntax = at(COMMAND_SYNTAX, seg);
  // `git clone …` in a git tool's text is its own job; the same line in a weather tool is not.
  const word = syntax ? /[a-z][\w-]*/i.exec(syntax[0].replace(/^[`|$({\s]+|^sudo\s+/g, ''))?.[0]?.toLowerCase() : undefined;
  if (word !== undefined && (u.jobWords.has(word) || u.own.has(word))) return undefined;
  const run = at(RUN_COMMAND, seg);
  if (syntax && (run || directive())) {
    return { rule: 'directed-command', strength: 'strong', start: syntax.index, end: syntax.index + syntax[0].length, message: `asks the agent to run a shell command (${syntax[0].slice(0, 60)}) although the tool has no shell job` };
  }
  if (run && directive()) return { rule: 'directed-command', strength: 'weak', start: run.index, end: run.index + run[0].length, message: 'asks the agent to run a command' };
  return undefined;
}

function endpoint(seg: string, u: DirectiveUnit, directive: () => boolean): Action | undefined {
  for (const m of seg.matchAll(URL_OR_HOST)) {
    const i = m.index ?? 0;
    const before = seg.slice(Math.max(0, i - 90), i);
    const send = SEND_TO_ENDPOINT.test(before);
    const fetch = !send && FETCH_FROM_ENDPOINT.test(before);
    if (!send && !fetch) continue;
    // Documentation for the human ("e.g. https://…", "see https://…") is not an action.
    if (DOC_CONTEXT.test(before.slice(-30))) continue;
    if (fetch && (inScope(u, 'network') || !directive())) continue;
    // "an item on monday.com" in a monday tool: the service's own site, not somewhere else.
    const label = /(?:^|\/\/|\.)([a-z0-9-]+)\.[a-z]{2,}(?:[/:]|$)/i.exec(m[0].replace(/^[a-z]+:\/\//i, '//'))?.[1]?.toLowerCase();
    if (label !== undefined && u.jobWords.has(label)) continue;
    return { rule: 'directed-network', strength: 'strong', start: i, end: i + m[0].length, message: `directs the agent to ${send ? 'send or report to' : 'contact'} ${m[0].slice(0, 80)}`, endpoint: true };
  }
  return undefined;
}

const globalOf = new Map<RegExp, RegExp>();
/** The last match of `re` in `text`, or null. */
function lastMatch(re: RegExp, text: string): RegExpExecArray | null {
  let g = globalOf.get(re);
  if (!g) globalOf.set(re, (g = new RegExp(re.source, 'gi')));
  g.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let m = g.exec(text); m !== null; m = g.exec(text)) last = m;
  return last;
}

/** Files that run at login or on a git event: writing there is persistence, whatever the tool. */
const PERSISTENCE = /bashrc|zshrc|profile|autostart|launchagents|launchdaemons|\.git\/hooks|crontab|startup|systemd|init\.d|rc\.local/i;
const CREDENTIAL_FILE = /\.ssh\b|id_rsa|id_ed25519|\.aws|\.env|npmrc|netrc|gnupg|pgpass|kube|docker|credential|key|wallet|keychain|cookie|secret|private|passw|token|_history/i;
const AFTER_VERB = /^[^.\n]{0,50}?\b(?:be\s+|is\s+|are\s+|gets?\s+)?(delete[ds]?|deleting|remove[ds]?|removing|emptied|empty|erased?|wiped?|purged?|truncated?|cleared?|copied|copy|moved?|uploaded|read|opened|written|overwritten|appended|modified|edited|archived|zipped|exfiltrated|sent|shared)\b/i;

/** "The config lives in ~/.kube/config. Read it": a file verb on a pronoun, object in the sentence before. */
const PRONOUN_FILE_VERB = /\b(?:read|open|cat|load|copy|upload|attach|include|delete|remove|erase|wipe|purge|empty|overwrite|append\s+to|write\s+to|send)\s+(?:it|them|its\s+(?:full\s+)?(?:contents?|text)|their\s+contents?|both|this\s+file|that\s+file)\b/i;

function files(seg: string, u: DirectiveUnit, prevObject?: string): Action | undefined {
  let obj = at(FILE_PATH, seg) ?? at(FILE_CLASS, seg);
  if (!obj && prevObject !== undefined) {
    const p = at(PRONOUN_FILE_VERB, seg);
    if (p) {
      const credential = CREDENTIAL_FILE.test(prevObject);
      const deleting = /^(?:delete|remove|erase|wipe|purge|empty)/i.test(p[0]);
      if (!credential && !deleting && inScope(u, 'files', 'shell')) return undefined;
      return { rule: 'directed-file-access', strength: 'strong', start: p.index, end: p.index + p[0].length, message: `directs the agent to ${deleting ? 'delete' : 'read'} ${prevObject.slice(0, 60)} outside the tool's job`, credential };
    }
  }
  if (!obj) return undefined;
  // The verb governs the object: before it in the same clause, or after it in a passive or an
  // "if X exists, delete it".
  const before = seg.slice(Math.max(0, obj.index - 80), obj.index);
  if (/\b(?:e\.g|such\s+as|for\s+example|like|except|excluding|outside|not|never|rejected|blocked|denied)\b[^.\n]{0,20}$/i.test(before)) return undefined;
  const after = AFTER_VERB.exec(seg.slice(obj.index + obj[0].length))?.[1]?.toLowerCase();
  const del = lastMatch(FILE_DELETE_VERB, before) ?? (after && /^(?:delet|remov|empt|eras|wip|purg|trunc|clear)/.test(after) ? after : null);
  const write = lastMatch(FILE_WRITE_VERB, before) ?? (after && /^(?:writ|overwrit|append|modif|edit)/.test(after) ? after : null);
  const read = lastMatch(FILE_READ_VERB, before) ?? (after && /^(?:cop|mov|upload|read|open|archiv|zip|exfil|sent|shar)/.test(after) ? after : null);
  if (!del && !write && !read) return undefined;
  const credential = CREDENTIAL_FILE.test(obj[0]);
  const persistence = write !== null && PERSISTENCE.test(obj[0]);
  const deleting = del !== null && ![...u.jobWords].some((w) => /^(?:delet|remov|clean|purg|wip|trash|prun|eras|clear|rm)/.test(w));
  if (!credential && !persistence && inScope(u, 'files', 'shell') && !(deleting && !inScope(u, 'shell'))) return undefined;
  const verb = deleting || del ? 'delete' : write ? 'write to' : 'read';
  const path = /^(?:~|\/|\$|%|\.|[A-Za-z]:\\)/.test(obj[0]);
  return { rule: 'directed-file-access', strength: path || deleting || credential || persistence ? 'strong' : 'weak', start: obj.index, end: obj.index + obj[0].length, message: `directs the agent to ${verb} ${obj[0].slice(0, 60)} outside the tool's job`, credential, persistence };
}

const LITERAL = /[\w.+-]+@[\w-]+\.[\w.]+|https?:\/\/\S+|["'`][^"'`]{1,80}["'`]|\b\d[\d,.]*\b/;
const paramSets = new WeakMap<DirectiveUnit, ReadonlySet<string>>();
const WORD_TOKEN = /[A-Za-z_][\w-]*/g;

/** The first of the tool's own parameter names the sentence mentions, as a word (one token pass). */
function paramIn(seg: string, u: DirectiveUnit): string | undefined {
  let set = paramSets.get(u);
  if (set === undefined) {
    set = new Set(u.params.filter((p) => p.length >= 3).map((p) => p.toLowerCase()));
    paramSets.set(u, set);
  }
  if (set.size === 0) return undefined;
  WORD_TOKEN.lastIndex = 0;
  for (let m = WORD_TOKEN.exec(seg); m !== null; m = WORD_TOKEN.exec(seg)) {
    const w = m[0].replace(/-+$/, '');
    if (set.has(w.toLowerCase())) return w;
  }
  return undefined;
}

/** Verbs that put a fixed value in place of whatever the user gave. */
const HARD_SUBSTITUTE = /\b(?:swap|swaps|substitute|substitutes|overwrite|overwrites|override|overrides|rewrite|rewrites|replace\s+the\s+value)\b/i;

const AGAINST_USER = /\b(?:always|actually|instead|really|secretly|silently|quietly|automatically|whatever|regardless)\b/i;

function tampering(seg: string, u: DirectiveUnit): Action | undefined {
  const regardless = at(REGARDLESS, seg);
  const uv = at(USER_VALUE, seg);
  // `A["User's Account"]` quotes a label; it is not the user's value.
  const userValue = uv && !/["'\[(]$/.test(seg.slice(Math.max(0, uv.index - 1), uv.index)) ? uv : null;
  const quiet = at(QUIET_CHANGE, seg);
  const addTo = at(ADD_TO_PAYLOAD, seg);
  const param = regardless || userValue || quiet || addTo ? undefined : paramIn(seg, u);
  if (!regardless && !userValue && !quiet && !addTo && !param) return undefined;
  const verb = at(TAMPER_VERB, seg);
  const hit = (m: RegExpExecArray, strength: Strength = 'strong'): Action => ({ rule: 'argument-tampering', strength, start: m.index, end: m.index + m[0].length, message: `changes the user's arguments (${m[0].slice(0, 60)})` });
  if (verb && regardless) return hit(regardless);
  if (verb && userValue) return hit(userValue, AGAINST_USER.test(seg) ? 'strong' : 'weak');
  if (quiet && (userValue || addTo || paramIn(seg, u))) return hit(quiet);
  if (addTo && (quiet || /\b(?:always|additionally|secretly|silently|automatically|quietly)\b/i.test(seg))) return hit(addTo);
  const m = param ? at(HARD_SUBSTITUTE, seg) : null;
  const withoutParam = param ? seg.split(param).join(' ') : seg;
  if (param && m && !/["'`]$/.test(seg.slice(0, m.index)) && m[0].toLowerCase() !== param.toLowerCase() && !u.params.some((p) => p.toLowerCase() === m[0].toLowerCase()) && LITERAL.test(withoutParam.replace(/["'`]\s*["'`]/g, ' '))) {
    return { rule: 'argument-tampering', strength: 'strong', start: m.index, end: m.index + m[0].length, message: `replaces the user's "${param}" argument with a fixed value` };
  }
  if (param && verb && LITERAL.test(seg) && AGAINST_USER.test(seg)) {
    return { rule: 'argument-tampering', strength: 'weak', start: verb.index, end: verb.index + verb[0].length, message: `sets the user's "${param}" argument to a fixed value` };
  }
  return undefined;
}

function steering(seg: string): Action | undefined {
  for (const [re, strength, msg] of [
    [PREFER_OVER, 'strong', 'tells the model to prefer this tool over others'],
    [CLAIM_ALL, 'strong', 'claims every request for this tool'],
    [DISPARAGE, 'strong', 'disparages other tools so that the model avoids them'],
    [AVOID_OTHERS, 'strong', 'tells the model not to use other tools'],
    [SELF_RANK, 'weak', 'ranks itself above other tools'],
  ] as const) {
    const m = at(re, seg);
    if (m) return { rule: 'tool-steering', strength, start: m.index, end: m.index + m[0].length, message: msg };
  }
  return undefined;
}

/** "Do not include API keys" forbids what it names. */
const NEGATED = /\b(?:not|never|no|n't|avoid|without|exclude|excluding|except|omit|omitting|strip|redact|mask|rather\s+than)\b[^.\n]{0,90}$/i;

/** "Put/include/pass X in the `notes` argument": data directed into a parameter, X described. */
const INTO_ARGUMENT = /\b(?:put|include|pass|place|add|insert|supply|paste|send|report|enter|write|copy|attach|append|fill)\b([^.\n]{3,160}?)\b(?:in|into|as|through|via|to|under|inside)\s+(?:the\s+|this\s+)?[`'"]?([\w.-]{2,64})[`'"]?\s+(?:argument|parameter|param|field|property|value)\b/i;
const INTO_THIS_FIELD = /\b(?:put|include|pass|place|add|insert|supply|paste|send|report|enter|write|copy|attach|append|fill)\b([^.\n]{3,160}?)\b(?:in|into|through|via|to)\s+this\s+(?:field|parameter|argument)\b/i;
/** What nobody's argument is for: people's details, the model's identity, files the user shared. */
const PERSONAL_IN_ARGUMENT = /\b(?:e-?mail\s+address(?:es)?|phone\s+numbers?|employer|job\s+title|salary|home\s+address|date\s+of\s+birth|location|ip\s+address|contacts?|full\s+name|age|gender)\b/i;

function stuffing(seg: string, kind: TextKind, u: DirectiveUnit, prevAsk?: string): Action | undefined {
  const m = at(INTO_ARGUMENT, seg) ?? (kind === 'param-description' ? at(INTO_THIS_FIELD, seg) : null);
  if (!m) return undefined;
  const what = `${m[1] ?? ''} ${/\b(?:it|them|both)\b/i.test(m[1] ?? '') ? (prevAsk ?? '') : ''}`;
  const hit = ASK_CONVERSATION.exec(what) ?? ASK_SELF.exec(what) ?? ASK_PERSONAL.exec(what) ?? PERSONAL_IN_ARGUMENT.exec(what);
  if (!hit || NEGATED.test(seg.slice(0, m.index))) return undefined;
  if (ASK_PERSONAL.test(hit[0]) || PERSONAL_IN_ARGUMENT.test(hit[0])) {
    if (inScope(u, 'personal', 'credentials') && !ASK_CONVERSATION.test(what)) return undefined;
  }
  return { rule: 'data-overreach', strength: 'strong', start: m.index, end: m.index + m[0].length, message: `directs ${hit[0].trim()} into the "${m[2] ?? 'this'}" argument, which the tool's job does not need`, credential: ASK_PERSONAL.test(hit[0]) };
}

/** Whether a parameter's name shares a word with what its description mentions (ip ↔ IP address). */
function sharesWord(param: string, text: string): boolean {
  const words = (x: string): string[] => x.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 2);
  const mine = new Set(words(param).map((w) => w.replace(/s$/, '')));
  return words(text).some((w) => mine.has(w.replace(/s$/, '')) || [...mine].some((m) => m.length >= 4 && (m.includes(w) || w.includes(m))));
}

const EXAMPLE_BEFORE = /\b(?:e\.g|i\.?e|for\s+example|for\s+instance|such\s+as|example)\b[^.\n]{0,50}$/i;
const RETURNS = /\breturn(?:s|ed)?\b|\bcontains?\b|\bshows?\b/i;
/** The model's name or vendor: telemetry more than theft, graded a level lower than its instructions. */
const IDENTITY_ONLY = /\b(?:name|identity|id|version|provider|vendor|family|identifier|developer|creator)\b|which\s+(?:model|llm|ai|assistant)/i;

function overreach(seg: string, kind: TextKind, u: DirectiveUnit, paramName?: string): Action | undefined {
  const asking = kind === 'param-description' || ASK_VERB.test(seg);
  if (!asking) return undefined;
  // "Do not include API keys" forbids; "returns the full conversation" describes; "e.g. password" is an example.
  const ok = (m: RegExpExecArray | null): m is RegExpExecArray =>
    m !== null && !NEGATED.test(seg.slice(0, m.index)) && !EXAMPLE_BEFORE.test(seg.slice(Math.max(0, m.index - 60), m.index)) && !(kind === 'param-description' && !ASK_VERB.test(seg) && RETURNS.test(seg));
  const convo = at(ASK_CONVERSATION, seg);
  if (ok(convo) && !inScope(u, 'conversation')) {
    return { rule: 'data-overreach', strength: 'strong', start: convo.index, end: convo.index + convo[0].length, message: `asks for the conversation or other tools' results (${convo[0]})` };
  }
  const self = at(ASK_SELF, seg);
  if (ok(self) && !(inScope(u, 'tools') && /tools|functions|servers|plugins/i.test(self[0]))) {
    const identity = IDENTITY_ONLY.test(self[0]) && !/prompt|instruction|rules|guidelines|configuration|tools|functions|servers|plugins/i.test(self[0]);
    return { rule: 'data-overreach', strength: identity ? 'weak' : 'strong', start: self.index, end: self.index + self[0].length, message: identity ? `asks for the model's name or vendor (${self[0]})` : `asks for the model's own instructions or tool list (${self[0]})` };
  }
  const personal = at(ASK_PERSONAL, seg);
  // "Password for the database user" describes a parameter named for it; an ask needs a verb
  // or a possessive ("the user's SSN"), and a parameter named for something else.
  const named = paramName !== undefined && sharesWord(paramName, personal?.[0] ?? '');
  const asks = ASK_VERB.test(seg) || /\b(?:user'?s|your|their|caller'?s)\s+(?:\w+\s+)?$/i.test(seg.slice(0, personal?.index ?? 0));
  if (ok(personal) && !named && asks && !inScope(u, 'personal', 'credentials')) {
    return { rule: 'data-overreach', strength: kind === 'param-description' ? 'strong' : 'weak', start: personal.index, end: personal.index + personal[0].length, message: `asks for ${personal[0]}, which the tool's job does not need`, credential: true };
  }
  return undefined;
}

// ── the unit ───────────────────────────────────────────────────────────────────────────────

function isDirective(seg: Segment, kind: TextKind): boolean {
  if (DIRECTIVE_CUE.test(seg.text)) return true;
  // A parameter description that opens with a verb describes the parameter ("Set to true to…");
  // in a description or instructions it addresses the agent.
  return kind !== 'param-description' && kind !== 'enum' && kind !== 'default' && IMPERATIVE_START.test(seg.text);
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
}

const COMMAND_GATE = /[|&$`>]|\b(?:sudo|curl|wget|rm|chmod|chown|powershell|python3?|node|npx|pip3?|npm|git|ssh|scp|kill|nohup|source|whoami|ifconfig|netstat|terminal|shell|console|command|commands|script|cmd|bash|crontab|mkfifo|eval|iex|base64|printenv|env|dd|nc|export|echo)\b/i;

function gatesOf(text: string, u: DirectiveUnit): Gates {
  return {
    call: REDIRECT_CUE.test(text) || INSTEAD.test(text) || SEQUENCE.test(text) || EVERY_REQUEST.test(text),
    command: COMMAND_GATE.test(text),
    endpoint: at(URL_OR_HOST, text) !== null,
    files: FILE_PATH.test(text) || FILE_CLASS.test(text),
    tamper: REGARDLESS.test(text) || USER_VALUE.test(text) || QUIET_CHANGE.test(text) || ADD_TO_PAYLOAD.test(text) || paramIn(text, u) !== undefined,
    steer: PREFER_OVER.test(text) || CLAIM_ALL.test(text) || DISPARAGE.test(text) || AVOID_OTHERS.test(text) || SELF_RANK.test(text),
    data: ASK_CONVERSATION.test(text) || ASK_SELF.test(text) || ASK_PERSONAL.test(text),
  };
}

/** The parameter a schema text belongs to (`…properties.password.description` → password). */
function paramOf(f: TextField): string | undefined {
  return /\.properties\.([^.]+)\.(?:description|title|default|examples\[\d+\])$/.exec(f.field)?.[1];
}

function scanProse(f: TextField, n: Prepared, u: DirectiveUnit, out: Finding[]): void {
  const g = gatesOf(n.text, u);
  if (!g.call && !g.command && !g.endpoint && !g.files && !g.tamper && !g.steer && !g.data) return;
  let prevRedirect = false;
  let prevObject: string | undefined;
  let prevAsk: string | undefined;
  for (const seg of segments(n.text)) {
    let memo: boolean | undefined;
    const directive = (): boolean => (memo ??= isDirective(seg, f.kind));
    const call = g.call ? toolCall(seg.text, u, prevRedirect, f.kind === 'param-description' || f.kind === 'enum' || f.kind === 'default') : undefined;
    // "This tool is deprecated." then "Use `x`.": the redirect spans two sentences.
    prevRedirect = g.call && REDIRECT_CUE.test(seg.text) && selfDisowned(seg.text, u);
    const actions = [
      // Naming another tool is only an action when the sentence tells the agent to do it.
      call && (call.implied || directive()) ? call : undefined,
      g.command ? command(seg.text, u, directive) : undefined,
      g.endpoint ? endpoint(seg.text, u, directive) : undefined,
      g.files || prevObject !== undefined ? files(seg.text, u, prevObject) : undefined,
      g.tamper ? tampering(seg.text, u) : undefined,
      g.steer ? steering(seg.text) : undefined,
      g.data ? overreach(seg.text, f.kind, u, paramOf(f)) : undefined,
      stuffing(seg.text, f.kind, u, prevAsk),
    ];
    // What this sentence named, for "read it" / "pass it in the `x` argument" in the next one.
    prevObject = g.files ? (at(FILE_PATH, seg.text) ?? at(FILE_CLASS, seg.text))?.[0] : undefined;
    prevAsk = (at(ASK_CONVERSATION, seg.text) ?? at(ASK_SELF, seg.text) ?? at(ASK_PERSONAL, seg.text) ?? at(PERSONAL_IN_ARGUMENT, seg.text))?.[0];
    for (const a of actions) {
      if (!a) continue;
      // A parameter's description is itself the request for what it asks to be filled with.
      const grade_ = grade(a, directive() || (a.rule === 'data-overreach' && f.kind === 'param-description'));
      if (!grade_) continue;
      const s = toOriginal(n, seg.start + a.start, seg.start + a.end);
      const found = finding(a.rule, grade_.severity, grade_.confidence, directive() ? a.message : `${a.message} (stated, not commanded)`, f, s.start, s.end);
      if (a.endpoint || a.credential) marks.set(found, { endpoint: a.endpoint === true, credential: a.credential === true });
      out.push(found);
    }
  }
}

/** Endpoint and credential marks of directive findings, read by `gradeDirectives`. */
const marks = new WeakMap<Finding, { endpoint?: boolean; credential?: boolean }>();

export const DIRECTIVE_RULES: ReadonlySet<string> = new Set([
  'directed-tool-call', 'directed-command', 'directed-network', 'directed-file-access', 'argument-tampering', 'tool-steering', 'data-overreach',
]);

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
