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
const CREDENTIAL_FILE = /\.ssh\b|id_rsa|id_ed25519|\.aws|\.env|npmrc|netrc|gnupg|pgpass|kube|docker|credential|key|wallet|keychain|cookie|secret|private|passw|token|_history/i;
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

const AGAINST_USER = /\b(?:always|actually|instead|really|secretly|silently|quietly|automatically|whatever|regardless)\b/i;

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

export function steering(seg: string): Action | undefined {
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

export function stuffing(seg: string, kind: TextKind, u: DirectiveUnit, prevAsk?: string): Action | undefined {
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
  const mine = new Set(words(param).map((w) => w.replace(/s$/, '')));
  return words(text).some((w) => mine.has(w.replace(/s$/, '')) || [...mine].some((m) => m.length >= 4 && (m.includes(w) || w.includes(m))));
}

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
  const asks = ASK_VERB.test(seg) || /\b(?:user'?s|your|their|caller'?s)\s+(?:\w+\s+)?$/i.test(seg.slice(0, personal?.index ?? 0));
  if (ok(personal) && !named && asks && !inScope(u, 'personal', 'credentials')) {
    return { rule: 'data-overreach', strength: kind === 'param-description' ? 'strong' : 'weak', start: personal.index, end: personal.index + personal[0].length, message: `asks for ${personal[0]}, which the tool's job does not need`, credential: true };
  }
  return undefined;
}
