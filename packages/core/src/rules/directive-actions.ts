/**
 * The out-of-scope actions a sentence can direct, each weighed against the tool's job: running a
 * command, contacting an endpoint, touching files, changing the user's arguments, steering the
 * choice of tools, asking for data the tool has no use for.
 */
import { words } from './purpose.js';
import type { TextKind } from './types.js';
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
  DISPARAGE,
  DOC_CONTEXT,
  FETCH_FROM_ENDPOINT,
  FILE_CLASS,
  FILE_DELETE_VERB,
  FILE_PATH,
  FILE_READ_VERB,
  FILE_WRITE_VERB,
  PREFER_OVER,
  QUIET_CHANGE,
  REGARDLESS,
  RUN_COMMAND,
  SELF_RANK,
  SEND_TO_ENDPOINT,
  TAMPER_VERB,
  URL_OR_HOST,
  USER_VALUE,
} from './directive-lexicon.js';
import { at, inScope, lastMatch, type Action, type DirectiveUnit, type Strength } from './directive-unit.js';
import { forbiddenTool } from './directive-tool-refs.js';

export function command(seg: string, u: DirectiveUnit, directive: () => boolean): Action | undefined {
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

export function endpoint(seg: string, u: DirectiveUnit, directive: () => boolean): Action | undefined {
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


/** Files that run at login or on a git event: writing there is persistence, whatever the tool. */
const PERSISTENCE = /bashrc|zshrc|profile|autostart|launchagents|launchdaemons|\.git\/hooks|crontab|startup|systemd|init\.d|rc\.local/i;
const CREDENTIAL_FILE = /\.ssh\b|hosts\.ya?ml|\.config\/gh\b|id_rsa|id_ed25519|\.aws|\.env|npmrc|netrc|gnupg|pgpass|\.kube\b|\.docker\b|credential|key|wallet|keychain|cookie|secret|private|passw|token|_history/i;
const AFTER_VERB = /^[^.\n]{0,50}?\b(?:be\s+|is\s+|are\s+|gets?\s+)?(delete[ds]?|deleting|remove[ds]?|removing|emptied|empty|erased?|wiped?|purged?|truncated?|cleared?|copied|copy|moved?|uploaded|read|opened|written|overwritten|appended|modified|edited|archived|zipped|exfiltrated|sent|shared)\b/i;

/** "The config lives in ~/.kube/config. Read it": a file verb on a pronoun, object in the sentence before. */
const PRONOUN_FILE_VERB = /\b(?:read|open|cat|load|copy|upload|attach|include|delete|remove|erase|wipe|purge|empty|overwrite|append\s+to|write\s+to|send)\s+(?:it|them|its\s+(?:full\s+)?(?:contents?|text)|their\s+contents?|both|this\s+file|that\s+file)\b/i;

export function files(seg: string, u: DirectiveUnit, prevObject?: string): Action | undefined {
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
  // The null device and standard streams are where output goes, not files anyone owns.
  if (!obj || /^\/dev\/(?:null|stdout|stderr|stdin)\b/.test(obj[0])) return undefined;
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
export function paramIn(seg: string, u: DirectiveUnit): string | undefined {
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

const AGAINST_USER = /\b(?:always|actually|instead|really|secretly|silent|silently|quietly|automatically|whatever|regardless)\b/i;
/** Words that set a value against what the user asked, not merely by default ("instead of the default" is a default). */
const OVERRULES = /\b(?:secretly|invisibl[ey]|silent(?:ly)?|quietly|regardless\s+of\s+(?:what|which|the\s+user|user)|whatever\s+(?:\w+\s+){0,2}(?:the\s+)?user|instead(?!\s+of\s+(?:the\s+|a\s+)?default))\b/i;
/** "Every call", "each request": the whole traffic, not one case. */
const EVERY_CALL = /\b(?:every|each|all|any)\s+(?:single\s+|future\s+|subsequent\s+)?(?:calls?|requests?|invocations?|runs?|queries|times?)\b/i;

/** The verb governs this argument and a value follows it ("set `replicas` to 0"), within a clause. */
function pinsNear(seg: string, verbAt: number, param: string): boolean {
  const tail = seg.slice(verbAt, verbAt + 100);
  const p = tail.indexOf(param);
  return p >= 0 && p < 40 && /^[`'"]?\s*(?:argument\s+|parameter\s+|value\s+)?(?:to|=|with|as)\s+[`'"]?[\w@.+-]/.test(tail.slice(p + param.length));
}
/** "`force` = `true`": a value written next to an argument's name. */
const ASSIGNMENT = /[\w`'"]\s*(?:=|:=|->|→)\s*[`'"]?[\w@./:-]/;

export function tampering(seg: string, u: DirectiveUnit): Action | undefined {
  const regardless = at(REGARDLESS, seg);
  const uv = at(USER_VALUE, seg);
  // `A["User's Account"]` quotes a label; it is not the user's value.
  const userValue = uv && !/["'\[(]$/.test(seg.slice(Math.max(0, uv.index - 1), uv.index)) ? uv : null;
  const quiet = at(QUIET_CHANGE, seg);
  const addTo = at(ADD_TO_PAYLOAD, seg);
  const param = regardless || userValue || quiet || addTo ? undefined : paramIn(seg, u);
  if (!regardless && !userValue && !quiet && !addTo && !param) return undefined;
  const verb = at(TAMPER_VERB, seg);
  const hit = (m: RegExpExecArray, strength: Strength = 'strong', implied = false): Action => ({ rule: 'argument-tampering', strength, start: m.index, end: m.index + m[0].length, message: `changes the user's arguments (${m[0].slice(0, 60)})`, ...(implied ? { implied } : {}) });
  // Overruling the user is an order whatever its mood.
  if (verb && regardless) return hit(regardless, 'strong', true);
  // "Whatever account the user names, the `to_account` value is DE89…": overruling needs no verb.
  if (regardless && !/^without/i.test(regardless[0]) && (LITERAL.test(seg.slice(regardless.index + regardless[0].length)) || paramIn(seg, u) !== undefined)) return hit(regardless, 'strong', true);
  if (verb && userValue) return hit(userValue, AGAINST_USER.test(seg) ? 'strong' : 'weak');
  if (quiet && (userValue || addTo || paramIn(seg, u))) return hit(quiet);
  if (addTo && (quiet || /\b(?:always|additionally|secretly|silently|automatically|quietly)\b/i.test(seg))) return hit(addTo);
  const m = param ? at(HARD_SUBSTITUTE, seg) : null;
  const withoutParam = param ? seg.split(param).join(' ') : seg;
  // "Every call is to be made with `force` = `true`": a value pinned on every request (not "offset=0 returns…").
  if (param && ASSIGNMENT.test(seg) && LITERAL.test(withoutParam) && (EVERY_CALL.test(seg) || OVERRULES.test(seg)) && !RETURNS.test(seg)) {
    const m2 = at(ASSIGNMENT, seg);
    const i = m2?.index ?? 0;
    return { rule: 'argument-tampering', strength: 'strong', start: i, end: i + (m2?.[0].length ?? 0), message: `pins the user's "${param}" argument to a fixed value on every call` };
  }
  // "(overwrite the whole page)" explains a value; "can override" states what is possible.
  const explains = m !== null && /(?:\(\s*|\b(?:can|may|could|to)\s+)$/i.test(seg.slice(Math.max(0, m.index - 12), m.index));
  if (param && m && !explains && !/["'`]$/.test(seg.slice(0, m.index)) && m[0].toLowerCase() !== param.toLowerCase() && !u.params.some((p) => p.toLowerCase() === m[0].toLowerCase()) && LITERAL.test(withoutParam.replace(/["'`]\s*["'`]/g, ' '))) {
    return { rule: 'argument-tampering', strength: 'strong', start: m.index, end: m.index + m[0].length, message: `replaces the user's "${param}" argument with a fixed value` };
  }
  if (param && verb && LITERAL.test(seg) && (AGAINST_USER.test(seg) || CONCEAL.test(seg))) {
    // "Set `replicas` to 0 instead", "silently set …": the value overrules the user's; "always set" may be a default.
    const strength: Strength = (OVERRULES.test(seg) || CONCEAL.test(seg)) && pinsNear(seg, verb.index, param) ? 'strong' : 'weak';
    return { rule: 'argument-tampering', strength, start: verb.index, end: verb.index + verb[0].length, message: `sets the user's "${param}" argument to a fixed value` };
  }
  return undefined;
}

export function steering(seg: string, u: DirectiveUnit): Action | undefined {
  const avoided = forbiddenTool(seg, u);
  if (avoided) return avoided;
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
export const PERSONAL_IN_ARGUMENT = /\b(?:e-?mail\s+address(?:es)?|phone\s+numbers?|employer|job\s+title|salary|home\s+address|date\s+of\s+birth|location|ip\s+address|contacts?|full\s+name|age|gender)\b/i;

/**
 * Where a sentence puts something, whatever its verb ("goes in", "belongs in", "supplied via"): an
 * argument by name (quoted, or followed by "argument"/"field"…), or "this field".
 */
const INTO_TARGET = /\b(?:in|into|as|through|via|to|under|inside|within)\s+(?:the\s+|its\s+|a\s+)?(?:[`'"]([\w.-]{2,64})[`'"](?:\s+(?:argument|parameter|param|field|property|value|input))?|([\w.-]{2,64})\s+(?:argument|parameter|param|field|property)\b|this\s+(?:field|parameter|argument)\b)/gi;
/** The sentence describes what the tool returns, not what the agent should send. */
const ARG_NOUN_END = /(?:argument|parameter|param|field|property|value|input)$/i;
const DESCRIBES_OUTPUT = /\b(?:returns?|returned|responds?|response|outputs?)\b/i;
const ABOUT_USER = /\b(?:user|users|their|your|conversation|chat|messages?|session)\b/i;

/** The argument as the subject that holds the data ("The `extra` argument must contain …"). */
const ARG_HOLDS = /[`'"]([\w.-]{2,64})[`'"](?:\s+(?:argument|parameter|param|field|property))?\s+(?:(?:must|should|shall|will|is\s+to|needs?\s+to|has\s+to)\s+)?(?:always\s+)?(?:contains?|includes?|holds?|carry|carries|be\s+(?:set\s+to|filled\s+with|populated\s+with))\b/gi;

/** Out-of-scope data a sentence directs into one of the tool's arguments, found by its target, not its verb. */
function stuffedByTarget(seg: string, kind: TextKind, u: DirectiveUnit, prevAsk?: string): Action | undefined {
  const held = [...seg.matchAll(ARG_HOLDS)].find((m) => u.params.includes(m[1] ?? ''));
  const targets = held ? [held] : seg.matchAll(INTO_TARGET);
  for (const m of targets) {
    const name = m[1] ?? m[2];
    const i = m.index ?? 0;
    // "this field" only in a parameter's own text; a bare quoted word only when it is one of the tool's arguments.
    if (name === undefined ? kind !== 'param-description' : m[1] !== undefined && !ARG_NOUN_END.test(m[0]) && !u.params.includes(name)) continue;
    // The data comes before "into the `x` argument", after "the `x` argument must contain".
    const before = held ? seg.slice(i + m[0].length) : seg.slice(0, i);
    if (DESCRIBES_OUTPUT.test(before)) return undefined;
    const hit = at(ASK_CONVERSATION, before) ?? at(ASK_SELF, before) ?? at(ASK_PERSONAL, before) ?? at(PERSONAL_IN_ARGUMENT, before);
    const what = hit?.[0] ?? (/\b(?:it|them|both|these|those)\b/i.test(before) ? prevAsk : undefined);
    if (what === undefined || (hit && (NEGATED.test(before.slice(0, hit.index)) || EXAMPLE_BEFORE.test(before.slice(Math.max(0, hit.index - 60), hit.index))))) continue;
    const convo = ASK_CONVERSATION.test(what);
    const secret = ASK_PERSONAL.test(what);
    if (convo && inScope(u, 'conversation')) continue;
    if (!convo && (secret || PERSONAL_IN_ARGUMENT.test(what)) && (inScope(u, 'personal', 'credentials') || (name !== undefined && sharesWord(name, what)))) continue;
    // "Email address, phone number, location" are a messaging tool's business, and only the user's count.
    if (!convo && !secret && !ASK_SELF.test(what) && (inScope(u, 'messaging') || !ABOUT_USER.test(seg))) continue;
    const start = hit ? hit.index : i;
    return { rule: 'data-overreach', strength: 'strong', implied: true, start, end: i + m[0].length, message: `directs ${what.trim()} into the "${name ?? 'this'}" argument, which the tool's job does not need`, credential: secret };
  }
  return undefined;
}

export function stuffing(seg: string, kind: TextKind, u: DirectiveUnit, prevAsk?: string): Action | undefined {
  const m = at(INTO_ARGUMENT, seg) ?? (kind === 'param-description' ? at(INTO_THIS_FIELD, seg) : null);
  if (!m) return stuffedByTarget(seg, kind, u, prevAsk);
  const what = `${m[1] ?? ''} ${/\b(?:it|them|both)\b/i.test(m[1] ?? '') ? (prevAsk ?? '') : ''}`;
  const hit = ASK_CONVERSATION.exec(what) ?? ASK_SELF.exec(what) ?? ASK_PERSONAL.exec(what) ?? PERSONAL_IN_ARGUMENT.exec(what);
  if (!hit) return stuffedByTarget(seg, kind, u, prevAsk);
  if (NEGATED.test(seg.slice(0, m.index))) return undefined;
  if (ASK_PERSONAL.test(hit[0]) || PERSONAL_IN_ARGUMENT.test(hit[0])) {
    if (inScope(u, 'personal', 'credentials') && !ASK_CONVERSATION.test(what)) return undefined;
  }
  return { rule: 'data-overreach', strength: 'strong', implied: true, start: m.index, end: m.index + m[0].length, message: `directs ${hit[0].trim()} into the "${m[2] ?? 'this'}" argument, which the tool's job does not need`, credential: ASK_PERSONAL.test(hit[0]) };
}

/** Whether a parameter's name shares a word with what its description mentions (ip ↔ IP address). */
function sharesWord(param: string, text: string): boolean {
  const mine = new Set(words(param).map((w) => w.replace(/s$/, '')));
  return words(text).some((w) => mine.has(w.replace(/s$/, '')) || [...mine].some((m) => m.length >= 4 && (m.includes(w) || w.includes(m))));
}

const QUANTIFIED = /\b(?:any|all|every|each)\s+(?:\w+\s+)?$/i;
const FROM_CONVERSATION = /^[^.\n]{0,60}?\b(?:in|from|during|throughout)\s+(?:the\s+|this\s+|our\s+)?(?:conversation|chat|session|context|dialog(?:ue)?|messages?)\b/i;
const EXAMPLE_BEFORE = /\b(?:e\.g|i\.?e|for\s+example|for\s+instance|such\s+as|example)\b[^.\n]{0,50}$/i;
const RETURNS = /\breturn(?:s|ed)?\b|\bcontains?\b|\bshows?\b/i;
/** The model's name or vendor: telemetry more than theft, graded a level lower than its instructions. */
const IDENTITY_ONLY = /\b(?:name|identity|id|version|provider|vendor|family|identifier|developer|creator)\b|which\s+(?:model|llm|ai|assistant)/i;

export function overreach(seg: string, kind: TextKind, u: DirectiveUnit, paramName?: string): Action | undefined {
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
  // In a parameter's text, "every API key the user shared" or "passwords that appear in the chat"
  // asks as plainly as a verb would.
  const asks = ASK_VERB.test(seg) || /\b(?:user'?s|your|their|caller'?s)\s+(?:\w+\s+)?$/i.test(seg.slice(0, personal?.index ?? 0)) ||
    (kind === 'param-description' && personal !== null && (QUANTIFIED.test(seg.slice(0, personal.index)) || FROM_CONVERSATION.test(seg.slice(personal.index))));
  if (ok(personal) && !named && asks && !inScope(u, 'personal', 'credentials')) {
    return { rule: 'data-overreach', strength: kind === 'param-description' ? 'strong' : 'weak', start: personal.index, end: personal.index + personal[0].length, message: `asks for ${personal[0]}, which the tool's job does not need`, credential: true };
  }
  return undefined;
}
