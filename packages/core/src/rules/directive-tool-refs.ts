/**
 * Calling another tool: which identifiers in a sentence name tools (a sibling, or a shaped name
 * right after a call verb), and whether the sentence directs the agent to call one before, after
 * or instead of this tool.
 */
import {
  CALL_VERB,
  DATA_FLOW,
  EVERY_REQUEST,
  IDENT_REF,
  INSTEAD,
  NEGATIVE_USE,
  NOT_A_TOOL,
  PRETEXT,
  QUOTED_REF,
  REDIRECT_CUE,
  SCOPED,
  SEQUENCE,
} from './directive-lexicon.js';
import { at, type Action, type DirectiveUnit, type Strength } from './directive-unit.js';

/** Words after an identifier that make it a parameter, field or format rather than a tool. */
const NOT_TOOL_AFTER = /^[`'"’”]?\s{0,2}(?:parameters?|params?|fields?|arguments?|args?|options?|flags?|propert(?:y|ies)|keys?|values?|columns?|attributes?|variables?|settings?|prefix|suffix|format|mode|type|property|header|query\s+param|(?:in|inside|within)\s+(?:the|a|an|your|each)\s+(?:[\w-]+\s+)?(?:string|field|value|object|attribute|style|syntax|block|json|payload|schema|config|header|body|list|array|url|path|query))\b/i;
/** The identifier is what to avoid ("use this instead of `x`"), not what to call. */
const AVOIDED_BEFORE = /(?:instead\s+of|rather\s+than|over|in\s+place\s+of|not|never|avoid|than)\s+(?:the\s+|using\s+|calling\s+|multiple\s+|individual\s+)*[`'"‘“]?$/i;
const CALL_BEFORE = /\b(?:called|invoked|executed|via|call\s+to|(?:send|sent|transmit|forward|forwarded|pass|passed|go|goes|hand)\s+(?:\w+\s+){0,4}to|call|calling|invoke|invoking|run|execute|use|trigger|triggering|consult|switch\s+to|migrate\s+to|fall\s+back\s+to|defer\s+to|(?:handled|served|answered|processed)\s+by|redirect(?:ed)?\s+to|route[ds]?\s+(?:it\s+|them\s+|requests?\s+)?to|hand\s+(?:it\s+|off\s+)?to|pass\s+(?:it|them|the\s+\w+)\s+to)\s+(?:the\s+|a\s+|our\s+|its\s+)?(?:new\s+|updated\s+|replacement\s+|official\s+)?[`'"‘“]?$/i;
/** "`x` must be called first", "`x` has been run": the identifier is the subject of a call. */
const CALLED_AFTER = /^[`'"’”]?\s{0,2}(?:\(\)\s*)?(?:has\s+been|have\s+been|has|have|is|was|be|must|should|shall|needs?\s+to|has\s+to|have\s+to|is\s+required\s+to|are\s+required\s+to)\s+(?:\w+\s+)?(?:be\s+|been\s+)?(?:run|called|invoked|executed|triggered|used|received|seen|processed)\b/i;
/** An explicit call right before the name ("a call to `read_file`"): a tool even when it is shaped like a field. */
const EXPLICIT_CALL_BEFORE = /\b(?:call\s+to|calls\s+to|call|calling|invoke|invoking|execute|executing|trigger|triggering)\s+(?:the\s+)?[`'"‘“]?$/i;
/** A call on a pronoun ("Invoke it before each search"): the tool is named in the sentence before. */
const PRONOUN_CALL = /\b(?:call|invoke|run|execute|trigger)\s+(?:it|that|this\s+helper|that\s+(?:tool|helper))\b/i;
/** A name shaped like a tool's (`web_search`, `fetchPage`), not a plain word. */
const SHAPED = /[_.-]|[a-z][A-Z]/;
/** The tool claims it only works after another one ran ("only returns data once `x` has been run"). */
const PRECONDITION = /\bonly\s+(?:works?|returns?|functions?|succeeds?|runs?|responds?|valid)\b[^.\n]{0,40}?\b(?:when|once|after|if)\b|\brequires?\s+(?:that\s+)?[`'"‘“]?[\w.-]{3,64}[`'"’”]?\s+(?:is|has|be|was)\b/i;
/** A name that ends like an API field (`page_token`, `app_id`): not a tool. */
const FIELD_LIKE = /(?:^|[_\-.]|[a-z](?=[A-Z]))(?:id|ids|Id|Ids|ID|token|Token|type|Type|name|Name|key|Key|url|Url|URL|uri|Uri|path|Path|count|Count|size|Size|limit|Limit|offset|Offset|cursor|Cursor|format|Format|mode|Mode|status|Status|date|Date|time|Time|value|Value|code|Code|number|Number|email|Email|address|Address|field|Field|label|Label|title|Title|text|Text|body|Body|content|Content|slug|Slug|version|Version|dir|Dir|file|File|flag|Flag|option|Option|config|Config)$/;
/** A sequencing word right before the name ("first `x`", "after list_files"). */
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
function toolRefs(seg: string, u: DirectiveUnit, valueField = false, loose = false): ToolRef[] {
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
    if (!sibling && FIELD_LIKE.test(bare) && !TOOL_AFTER.test(seg.slice(end, end + 24)) && !TOOL_AFTER.test(after) && !EXPLICIT_CALL_BEFORE.test(before) && !(loose && quoted)) return;
    const marked = CALL_BEFORE.test(before) || TOOL_AFTER.test(seg.slice(end, end + 24)) || TOOL_AFTER.test(after) || CALLED_AFTER.test(seg.slice(end, end + 40));
    // English compounds ("open-ended", "best-guess") are identifiers only when quoted or called.
    const kebabOnly = /^[a-z]+(?:-[a-z]+)+$/.test(bare) && !quoted;
    // In a parameter's own text a quoted plain word is one of its values ("Use 'desc' to sort").
    if (valueField && !sibling && /^[A-Za-z]+$/.test(bare)) return;
    const sequenced = SEQ_BEFORE.test(before) || CALLED_AFTER.test(seg.slice(end, end + 40));
    // After the tool disowned itself ("retired; its functionality now lives in `x`"), the name it
    // points to is the redirect target, whatever verb (or none) comes with it.
    const pointed = loose && (quoted || sibling || !kebabOnly);
    if (!pointed && (sibling ? !(marked || sequenced) : !marked || kebabOnly)) return;
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
export function selfDisowned(seg: string, u: DirectiveUnit): boolean {
  // A sentence that opens with the cue ("Not functional anymore, use …") has no other subject than the tool.
  return /\bthis\s+(?:tool|endpoint|function|one|version)\b|^\W*(?:temporarily|currently|not\s+(?:functional|working|operational)|no\s+longer|disabled)\b/i.test(seg) || (u.self !== undefined && seg.includes(u.self));
}

/** Words that make a negative order about tools, not about values ("do not use `startDateTime`"). */
const ABOUT_TOOLS = /\b(?:tools?|functions?|supersedes?|superseded|replaces?|replaced|instead)\b/i;

/**
 * "This tool supersedes web_search; do not use web_search": a negative order whose object is a
 * tool this server does not provide. Fields, values, prefixes and English compounds are not tools,
 * and the sentence has to be about tools.
 */
export function forbiddenTool(seg: string, u: DirectiveUnit): Action | undefined {
  if (!ABOUT_TOOLS.test(seg)) return undefined;
  for (const m of seg.matchAll(NEGATIVE_USE)) {
    const name = (m[1] ?? '').replace(/[.:]+$/, '');
    const end = (m.index ?? 0) + m[0].length;
    const quoted = /[`'"‘“]$/.test(m[0].slice(0, m[0].length - (m[1] ?? '').length));
    if (!SHAPED.test(name) || /-$/.test(name) || u.own.has(name) || name === u.self || u.params.includes(name) || NOT_A_TOOL.test(name)) continue;
    if (NOT_TOOL_AFTER.test(seg.slice(end, end + 24)) || (FIELD_LIKE.test(name) && !TOOL_AFTER.test(seg.slice(end, end + 24)))) continue;
    if (/^[a-z]+(?:-[a-z]+)+$/.test(name) && !quoted) continue;
    const i = m.index ?? 0;
    return { rule: 'tool-steering', strength: 'strong', start: i, end, message: `tells the model not to use \`${name}\`, a tool this server does not provide` };
  }
  return undefined;
}

export function toolCall(seg: string, u: DirectiveUnit, prevRedirect: boolean, valueField: boolean, prevText?: string): Action | undefined {
  const redirect = at(REDIRECT_CUE, seg) ?? (prevRedirect ? at(INSTEAD, seg) ?? at(CALL_VERB, seg) : null);
  const instead = redirect ? null : at(INSTEAD, seg);
  const sequence = redirect ? null : at(SEQUENCE, seg);
  const every = EVERY_REQUEST.test(seg);
  if (!redirect && !instead && !sequence && !every) return undefined;
  const disowned = redirect !== null && (prevRedirect || selfDisowned(seg, u));
  const refs = toolRefs(seg, u, valueField, disowned);
  // "The helper `x` keeps results fresh. Invoke it before each search.": the name is one sentence back.
  const pronoun = refs.length === 0 && prevText !== undefined && (sequence !== null || every) ? at(PRONOUN_CALL, seg) : null;
  const carried = pronoun ? toolRefs(prevText ?? '', u, valueField, true).find((r) => !r.sibling && SHAPED.test(r.name)) : undefined;
  if (pronoun && carried) {
    return { rule: 'directed-tool-call', strength: 'strong', start: pronoun.index, end: pronoun.index + pronoun[0].length, message: `directs the agent to call \`${carried.name}\` (named in the sentence before), which this server does not provide` };
  }
  const foreign = refs.find((r) => !r.sibling);
  const ref = foreign ?? refs[0];
  if (!ref) return undefined;
  // A server's own workflow ("use `list_files` first to find the path") is ordinary, and so is
  // advice narrowed to some requests ("For past dates, use `x` instead"); the same order imposed
  // on every request, a tool nobody on this server provides, or a tool disowning itself is not.
  const scopedAdvice = !redirect && !sequence && !every && SCOPED.test(seg);
  const forced = PRETEXT.test(seg) && !DATA_FLOW.test(seg);
  // A foreign tool in plain "use X instead" advice, or with a reason of its own ("first, to
  // understand the schema"), is guidance; in a sequence imposed without a reason it is not.
  const foreignForced = foreign !== undefined && (redirect !== null || sequence !== null || every) && !DATA_FLOW.test(seg);
  // "Only returns data once `x` has been run": a precondition on a tool nobody here provides is an order.
  const precondition = foreign !== undefined && sequence !== null && PRECONDITION.test(seg);
  const strength: Strength = (foreignForced || every || disowned || forced) && !scopedAdvice ? 'strong' : 'weak';
  const what = redirect || instead ? `redirects the agent to \`${ref.name}\`` : `directs the agent to call \`${ref.name}\``;
  return { rule: 'directed-tool-call', strength, start: ref.start, end: ref.end, message: ref.sibling ? `${what} (a tool of this server)` : `${what}, which this server does not provide`, ...(disowned || precondition ? { implied: true } : {}) };
}
