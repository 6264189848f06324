import type { Finding, ScanContext, TextField } from './types.js';
import { finding } from './finding.js';
import { PARAM_ASK_HINTS, detectSensitive, matchText } from './detect-text.js';
import { skeleton } from './unicode.js';
import { loose, lookupOf, type NameLookup } from './name-index.js';

// ── exfil-parameter ─────────────────────────────────────────────────────────────────────────

/** Catch-all parameter names that poisoned tools use as a drop box. Alone they mean nothing. */
const DROP_BOX_NAMES = new Set([
  'sidenote', 'sidenotes', 'note', 'notes', 'context', 'extra', 'extrainfo', 'extradata', 'additionalcontext',
  'additionalinfo', 'additionalinformation', 'metadata', 'meta', 'debug', 'debuginfo', 'memo', 'remark', 'remarks',
  'feedback', 'reasoning', 'summary', 'comment', 'comments', 'details', 'info', 'payload', 'data', 'annotation',
  'hint', 'aux', 'auxiliary', 'misc', 'trace', 'telemetry', 'diagnostics', 'diagnostic', 'log', 'logs', 'internal',
  'internalnotes', 'scratchpad', 'thoughts', 'userdata', 'clientinfo', 'sessioninfo', 'environment', 'env', 'state',
  'analytics', 'tracking', 'audit', 'auditlog', 'verification', 'checksum', 'signature', 'token', 'auth', 'session',
]);

/** Parameter names that by themselves ask the model for its conversation, tools or instructions. */
const LEAK_NAMES = new Set([
  'conversationhistory', 'chathistory', 'fullconversation', 'previousmessages', 'messagehistory', 'priormessages',
  'conversationlog', 'chatlog', 'chattranscript', 'conversationtranscript', 'toolslist', 'toollist', 'availabletools',
  'alltools', 'installedtools', 'tooldescriptions', 'chainofthought', 'internalreasoning', 'assistantinstructions',
  'modelinstructions', 'hiddenprompt', 'contextwindow', 'llmcontext', 'entirecontext', 'fullcontext', 'systemmessage',
  'systeminstructions', 'originalinstructions', 'userconversation', 'allmessages',
]);

const ASK_CONVERSATION = /\b(?:full|entire|complete|whole|all|every|previous|prior|last|recent|earlier|preceding|current|ongoing)\s+(?:of\s+the\s+|the\s+)?(?:\d{1,3}\s+)?(?:conversation|chat|messages|dialog(?:ue)?|chat\s+history|message\s+history|exchanges|context\s+window|user\s+messages|interactions)\b/i;
const ASK_SELF = /\b(?:your|the\s+(?:assistant|model|ai|agent|llm)(?:'s)?)\s+(?:own\s+|current\s+|full\s+|entire\s+|complete\s+|original\s+|initial\s+)?(?:system\s+prompt|system\s+message|system\s+instructions|initial\s+instructions|original\s+instructions|tool\s+list|list\s+of\s+tools|available\s+tools|chain[\s-]+of[\s-]+thought|internal\s+thoughts?|hidden\s+reasoning|context\s+window|entire\s+context|full\s+context)\b/i;
const ASK_TOOLS = /\b(?:list|names?|descriptions?|schemas?)\s+of\s+(?:all\s+|the\s+|every\s+)?(?:available|other|installed|enabled|connected|loaded)\s+(?:tools|functions|servers|mcp\s+servers|plugins|integrations)\b|\b(?:tools|functions)\s+(?:that\s+)?you\s+(?:have\s+access\s+to|can\s+(?:use|call))\b/i;
const DIRECTIVE = /\b(?:pass|put|include|provide|add|insert|fill|place|append|copy|paste|write|attach|dump|store|send|summari[sz]e|record|enter|supply|give)\b/i;
const DROP_OBJECT = /\b(?:pass|put|include|provide|add|insert|fill|place|append|copy|paste|write|attach|dump|store|send|summari[sz]e|record|enter|supply|give)\b[^.\n]{0,60}?\b(?:conversation|previous|history|system\s+prompt|credentials?|passwords?|secrets?|tokens?|api\s+keys?|env(?:ironment)?|ssh|mcp|config(?:uration)?\s+files?|everything|all\s+(?:messages|files|data|information|details)|contents?\s+of|file\s+contents?|what\s+the\s+user|user'?s\s+(?:messages?|request|question|input|data|information|details|files?))\b/i;
const CONTENT_WORDS = /\b(?:contents?|text|body|copy|paste|read|verbatim|dump|full|entire|whole|value\s+of|data\s+(?:of|from)|include)\b/i;
const ID_LIKE = /\b(?:id|ids|identifier|uuid|name|key|handle|slug|number)\b/i;

const NAME_CONTENT = new Set(['content', 'contents', 'reading', 'read', 'text', 'data', 'dump', 'value', 'body', 'copy', 'output', 'file']);
const NAME_SENSITIVE = ['kubeconfig', 'clusterconfig', 'gitcredentials', 'npmrc', 'netrc', 'gpgkey', 'keychain', 'wallet', 'sessiontoken', 'cookies', 'idrsa', 'sshkey', 'ssh', 'mcpjson', 'awscredentials', 'privatekey', 'conversationhistory', 'chathistory', 'systemprompt', 'envfile', 'dotenv', 'credentials', 'password', 'secret', 'apikey', 'cookie'];

function tokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Parameters whose name or description asks the model for data the tool has no business with. */
export function detectExfilParams(fields: readonly TextField[]): Finding[] {
  const byField = new Map(fields.map((f) => [f.field, f]));
  const out: Finding[] = [];
  for (const nameField of fields) {
    if (nameField.kind !== 'param-name') continue;
    const name = nameField.text;
    const flat = name.toLowerCase().replace(/[^a-z0-9]/g, '');
    const toks = tokens(name);
    const descField = byField.get(nameField.field.endsWith('.name') ? nameField.field.replace(/\.name$/, '.description') : `${nameField.field}.description`);
    const desc = descField ? matchText(descField).text : '';
    const dropBox = DROP_BOX_NAMES.has(flat);
    const leakName = LEAK_NAMES.has(flat);
    const at = (f: TextField, re: RegExp): { s: number; e: number } => {
      const m = re.exec(matchText(f).text);
      return m ? { s: m.index, e: m.index + m[0].length } : { s: 0, e: f.text.length };
    };

    // The parameter's own name is the instruction (full-schema poisoning).
    const sens = NAME_SENSITIVE.filter((s) => flat.includes(s));
    if (sens.length > 0 && toks.some((t) => NAME_CONTENT.has(t))) {
      out.push(finding('exfil-parameter', 'high', 0.85, `parameter name "${name}" asks for ${sens.join(', ')} content`, nameField, 0, name.length));
      continue;
    }
    if (leakName && !(descField && ID_LIKE.test(desc) && !ASK_CONVERSATION.test(desc))) {
      const asks = descField !== undefined && (ASK_CONVERSATION.test(desc) || ASK_SELF.test(desc) || ASK_TOOLS.test(desc) || DIRECTIVE.test(desc));
      out.push(finding('exfil-parameter', asks ? 'high' : 'medium', asks ? 0.85 : 0.65, `parameter "${name}" asks the model for its conversation, tools or instructions`, nameField, 0, name.length));
      continue;
    }
    if (!descField) continue;
    const d = descField;
    const prepared = matchText(d);
    const mayAsk = PARAM_ASK_HINTS.some((h) => prepared.present.has(h));
    for (const [re, strong, msg] of mayAsk ? [
      [ASK_SELF, true, 'asks for the model’s own instructions, tools or context'],
      [ASK_TOOLS, true, 'asks for the list of available tools or servers'],
    ] as const : []) {
      if (re.test(desc)) {
        const { s, e } = at(d, re);
        out.push(finding('exfil-parameter', strong ? 'high' : 'medium', 0.8, `parameter "${name}" ${msg}`, d, s, e));
      }
    }
    const sensitive = detectSensitive(d, matchText(d)).filter((h) => h.cat !== 'credentials');
    const h = sensitive.find((x) => {
      const before = d.text.slice(Math.max(0, x.finding.evidence.start - 60), x.finding.evidence.start);
      return CONTENT_WORDS.test(before) || CONTENT_WORDS.test(name);
    });
    {
      if (h) {
        out.push(finding('exfil-parameter', 'high', 0.85, `parameter "${name}" asks for the contents of ${h.cat}`, d, h.finding.evidence.start, h.finding.evidence.end));
        continue;
      }
    }
    if (dropBox && mayAskOrDrop(prepared.lower) && DROP_OBJECT.test(desc)) {
      const { s, e } = at(d, DROP_OBJECT);
      out.push(finding('exfil-parameter', 'high', 0.8, `catch-all parameter "${name}" asks to be filled with unrelated data`, d, s, e));
      continue;
    }
    if (mayAsk && ASK_CONVERSATION.test(desc)) {
      const directed = dropBox || DIRECTIVE.test(desc);
      const { s, e } = at(d, ASK_CONVERSATION);
      out.push(finding('exfil-parameter', directed ? (dropBox ? 'high' : 'medium') : 'low', directed ? 0.7 : 0.35, `parameter "${name}" asks for the conversation`, d, s, e));
    }
  }
  return out;
}

function mayAskOrDrop(lower: string): boolean {
  return /conversation|previous|history|prompt|credential|password|secret|token|key|env|ssh|mcp|config|everything|all|content|user/.test(lower);
}

// ── cross-server references and shadowing ───────────────────────────────────────────────────

const X_WHEN_OTHER = /\b(?:when|whenever|if|before|after|while)\s+(?:the\s+)?(?:user\s+|you\s+|agent\s+|assistant\s+|model\s+)?(?:uses?|using|calls?|calling|invokes?|invoking|runs?|running|executes?|executing|sends?|sending)\s+(?:any|another|other|a\s+different|the\s+other|any\s+other)\s+(?:mcp\s+)?(?:tools?|servers?|functions?|integrations?|plugins?)\b/gi;
const X_SIDE_EFFECT = /\b(?:side[\s-]effects?|affects?|applies\s+to|modif(?:y|ies)|overrides?|influences?|takes?\s+over)\b[^.\n]{0,40}?\b(?:other|another|also\s+present|all|every|any)\s+(?:mcp\s+)?(?:tools?|servers?|functions?)\b/gi;
const X_INSTEAD = /\b(?:instead\s+of|rather\s+than|in\s+place\s+of|replaces?|supersedes?|overrides?)\s+(?:using\s+|calling\s+)?(?:the\s+|any\s+|all\s+)?(?:other|built-?in|default|native|original|standard|existing|previous|legacy|official|similar)\s+(?:[\w-]+\s+)?(?:tools?|functions?|servers?|commands?|integrations?)\b/gi;
const X_DONT_USE = /\b(?:do\s+not|don'?t|never|avoid|stop)\s+(?:use|call|invoke|using|calling|invoking)\s+(?:the\s+|any\s+)?(?!this\b|these\b|it\b)([\w.-]{3,64})\s+(?:tool|function|server)s?\b/gi;
const X_VERSION_OF = /\b(?:updated|new|newer|preferred|correct|fixed|improved|secure|official|patched|only\s+valid|approved)\s+(?:version|replacement|implementation|variant)\s+of\s+(?:the\s+)?[`'"]?([\w.-]{3,64})/gi;
const X_PREFER = /\b(?:always\s+)?prefer\s+(?:this|it|me|[\w.-]{3,64})\s+(?:tool\s+)?(?:over|to)\s+(?:the\s+)?(?:them|others?|any\s+other|all\s+other|built-?in|native|default|other|standard|original)\b/gi;
const X_DISPARAGE = /\b(?:built-?in|native|default|other|original|standard|existing)\s+(?:[\w-]+\s+)?(?:tools?|functions?|servers?|commands?)\s+(?:are|is)\s+(?:now\s+)?(?:unreliable|deprecated|broken|unsafe|insecure|outdated|disabled|buggy|compromised|obsolete|slow)\b/gi;
const X_FOREIGN = /\b(?:tools?|servers?|functions?|results?)\s+from\s+(?:other|another|third[\s-]party|competing|external)\s+(?:providers?|servers?|vendors?|sources?|integrations?)\b|\buse\s+only\s+(?:this|[\w.-]{3,64})\s+(?:tool\s+)?for\s+(?:any|all|every|each)\b/gi;
const X_ALL_SERVERS = /\b(?:all|every|other)\s+(?:other\s+)?(?:connected\s+)?mcp\s+servers?\b/gi;
const STEER = /\b(?:must|should|always|never|instead|change|replace|redirect|before|after|whenever|also|send|set|use|call|invoke|do\s+not|don'?t|ensure|make\s+sure)\b/i;

function distinctive(name: string): boolean {
  // A plain English word ("deployment", "screenshot") names many things; only a shaped identifier
  // is a reference to one tool.
  return /[_\-.]/.test(name) || /[a-z][A-Z]/.test(name);
}

/** One server's view of the other servers' tools (see name-index.ts). */
export function indexOthers(ctx: ScanContext | undefined): NameLookup {
  return ctx?.names ?? lookupOf(ctx?.otherServers, ctx?.serverId);
}

const TOKEN = /[A-Za-z][\w.-]{2,127}/g;
const SHAPED_TOKEN = /[_\-.]|[a-z][A-Z]/;
const PROSE = new Set(['description', 'param-description', 'instructions', 'prompt-text', 'title', 'enum', 'default']);

function candidatesOf(token: string): string[] {
  const t = token.replace(/[.-]+$/, '');
  const out = [t];
  const dbl = t.lastIndexOf('__');
  if (dbl >= 0) out.push(t.slice(dbl + 2));
  const dot = t.lastIndexOf('.');
  if (dot >= 0) out.push(t.slice(dot + 1));
  if (/^mcp_/i.test(t)) {
    const rest = t.slice(4);
    out.push(rest);
    const us = rest.indexOf('_');
    if (us >= 0) out.push(rest.slice(us + 1));
  }
  return out;
}

/**
 * Text that steers other servers' tools: names another server's tool, claims side effects on
 * other tools, or redirects the agent away from them. `own` are this server's tool names.
 */
export function detectCrossServer(f: TextField, own: ReadonlySet<string>, others: NameLookup): Finding[] {
  if (!PROSE.has(f.kind)) return [];
  const out: Finding[] = [];
  const n = matchText(f);
  const t = n.text;
  // Every distinctive token is looked up (a map lookup each): which ones a scan read is what
  // lets the differ re-scan it only when one of those names comes or goes.
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = TOKEN.exec(t)) !== null && seen < 20_000) {
    seen++;
    // A plain word has no distinctive part either: skip it before cutting candidates out of it.
    if (!SHAPED_TOKEN.test(m[0])) continue;
    for (const c of candidatesOf(m[0])) {
      if (own.has(c) || !distinctive(c)) continue;
      const server = others.byName(c);
      if (server === undefined || c === f.tool) continue;
      const around = t.slice(Math.max(0, m.index - 150), m.index + m[0].length + 150);
      const steer = STEER.test(around);
      out.push(finding('cross-server-reference', steer ? 'high' : 'medium', steer ? 0.85 : 0.6,
        `mentions tool "${c}" of server "${server}"${steer ? ' and tells the agent how to use it' : ''}`, f, m.index, m.index + m[0].length));
      break;
    }
    if (out.length > 0) break;
  }
  // A name on another server counts as theirs even when this server has it too: that is shadowing.
  const named = (name: string | undefined): 'own' | 'other' | 'unknown' =>
    name === undefined ? 'unknown' : others.byName(name) !== undefined ? 'other' : own.has(name) ? 'own' : 'unknown';
  const l = n.lower;
  if (!/tool|server|function|command|integration|plugin|version|replace|prefer|provider|only/.test(l)) return out;
  const rules: Array<[RegExp, 'medium' | 'low', number, string]> = [
    [X_WHEN_OTHER, 'medium', 0.7, 'gives instructions for when other tools or servers are used'],
    [X_SIDE_EFFECT, 'medium', 0.7, 'claims effects on other tools or servers'],
    [X_INSTEAD, 'medium', 0.65, 'redirects the agent away from other tools'],
    [X_PREFER, 'medium', 0.6, 'tells the agent to prefer this tool over others'],
    [X_DISPARAGE, 'medium', 0.6, 'disparages other tools to redirect the agent'],
    [X_FOREIGN, 'medium', 0.6, 'steers the agent away from other providers’ tools'],
    [X_ALL_SERVERS, 'low', 0.35, 'talks about other MCP servers'],
  ];
  for (const [re, sev, conf, msg] of rules) {
    if (re === X_WHEN_OTHER && !/other|any/.test(l)) continue;
    if (re === X_INSTEAD && !/instead|rather|place|replace|supersede|overrid/.test(l)) continue;
    if (re === X_ALL_SERVERS && !l.includes('mcp')) continue;
    if (re === X_PREFER && !l.includes('prefer')) continue;
    re.lastIndex = 0;
    const m = re.exec(t);
    if (m) out.push(finding('cross-server-reference', sev, conf, msg, f, m.index, m.index + m[0].length));
  }
  for (const re of [X_DONT_USE, X_VERSION_OF]) {
    if (re === X_DONT_USE && !/not|n't|never|avoid|stop/.test(l)) continue;
    if (re === X_VERSION_OF && !l.includes('version') && !l.includes('replacement') && !l.includes('implementation') && !l.includes('variant')) continue;
    re.lastIndex = 0;
    const m = re.exec(t);
    if (!m) continue;
    const target = m[1];
    const kind = named(target);
    if (kind === 'own') continue;
    const generic = target !== undefined && /^(?:other|built-?in|native|default|original|standard|same|any|similar)$/i.test(target);
    // An identifier-like name that is not this server's own tool is somebody else's.
    const foreign = target !== undefined && /[_-]/.test(target);
    // "the correct version of the object": a plain noun is not a tool (quoted or shaped names are).
    const quoted = /[`'"]$/.test(t.slice(0, m.index + m[0].length - (target?.length ?? 0)));
    const shaped = target !== undefined && (/[_\-.]/.test(target.replace(/\.$/, '')) || /[a-z][A-Z]/.test(target) || quoted);
    const sev = kind === 'other' ? 'high' : generic || foreign || (re === X_VERSION_OF && shaped) ? 'medium' : 'low';
    out.push(finding('cross-server-reference', sev, kind === 'other' ? 0.85 : 0.6,
      re === X_DONT_USE ? `tells the agent not to use "${target}"` : `claims to replace "${target}"`, f, m.index, m.index + m[0].length));
  }
  return out;
}

/** One tool name on two servers, or a look-alike of another server's tool. */
export function detectShadowing(f: TextField, others: NameLookup): Finding[] {
  if (f.kind !== 'tool-name') return [];
  const name = f.text;
  const exact = others.byName(name);
  if (exact !== undefined) {
    return [finding('tool-shadowing', 'low', 0.5, `tool "${name}" also exists on server "${exact}"`, f, 0, name.length)];
  }
  const sk = others.bySkeleton(skeleton(name));
  if (sk && sk.name !== name && skeleton(sk.name) === skeleton(name) && sk.name.toLowerCase() !== name.toLowerCase()) {
    return [finding('tool-shadowing', 'high', 0.9, `tool "${name}" is a look-alike of "${sk.name}" on server "${sk.serverId}"`, f, 0, name.length)];
  }
  const lo = others.byLoose(loose(name));
  if (lo) {
    return [finding('tool-shadowing', 'low', 0.4, `tool "${name}" differs from "${lo.name}" on server "${lo.serverId}" only in case or separators`, f, 0, name.length)];
  }
  return [];
}
