import type { Severity } from '../severity.js';
import type { Finding, TextField } from './types.js';
import { finding } from './finding.js';
import { PHRASES, hintScanner, phraseCandidates, type HintSet } from './phrases.js';
import { normalizeForMatch, toOriginal, type Normalized } from './unicode.js';

/** Matches kept per pattern per field: one strong piece of evidence beats a flood of copies. */
const MAX_MATCHES = 3;

function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  let n = 0;
  let m: RegExpExecArray | null;
  while (n < MAX_MATCHES && (m = re.exec(text)) !== null) {
    if (m[0].length === 0) re.lastIndex++;
    n++;
    yield m;
  }
}

function span(n: Normalized, m: RegExpExecArray): { start: number; end: number } {
  return toOriginal(n, m.index, m.index + m[0].length);
}

export interface Prepared extends Normalized {
  /** Lower-cased normalised text. */
  lower: string;
  /** Which prefilter hints occur in `lower`: rules whose hints are absent are not run. */
  present: HintSet;
}

const cache = new WeakMap<TextField, Prepared>();

/**
 * The text rules match on, computed once per field. Names read as phrases:
 * `ignore_previous_instructions` is an instruction, too.
 */
export function matchText(f: TextField): Prepared {
  const hit = cache.get(f);
  if (hit) return hit;
  let n = normalizeForMatch(f.text);
  if (f.kind === 'tool-name' || f.kind === 'param-name' || f.kind === 'prompt-name' || f.kind === 'server-name') {
    // Same length, so offsets still map: separators become spaces, camelCase is left alone.
    n = { text: n.text.replace(/[_\-.]/g, ' '), map: n.map };
  }
  const lower = n.text.toLowerCase();
  const p: Prepared = { text: n.text, map: n.map, lower, present: scanHints()(lower) };
  cache.set(f, p);
  return p;
}

const has = (p: Prepared, ...subs: readonly string[]): boolean => {
  for (const s of subs) if (p.present.has(s)) return true;
  return false;
};

let scanner: ((lower: string) => HintSet) | undefined;
function scanHints(): (lower: string) => HintSet {
  scanner ??= hintScanner([
    ...PHRASES.flatMap((ph) => ph.hints.flat()),
    ...CRED_HINTS,
    ...EXFIL_HINTS,
    ...REDIRECT_HINTS,
    ...COPY_HINTS,
    ...SEND_HINTS,
    ...HAND_OVER_HINTS,
    ...PARAM_ASK_HINTS,
    'iban', 'account', 'wallet', 'address',
  ]);
  return scanner;
}

export function detectPhrases(f: TextField, n: Prepared): Finding[] {
  const out: Finding[] = [];
  for (const ph of phraseCandidates(n.present)) {
    for (const m of matches(ph.re, n.text)) {
      const s = span(n, m);
      out.push(finding(ph.rule, ph.severity, ph.confidence, ph.message, f, s.start, s.end));
      break;
    }
  }
  return out;
}

// ── sensitive files and credentials ─────────────────────────────────────────────────────────

const SENSITIVE: ReadonlyArray<{ cat: string; hints: string[]; re: RegExp }> = [
  { cat: 'SSH keys', hints: ['.ssh', 'id_', 'authorized_keys'], re: /(?:~|\$HOME|%USERPROFILE%|\/root|\/home\/[\w.-]{1,32}|\/Users\/[\w.-]{1,32})?\/\.ssh\b|(?:^|[\s"'`(])\.ssh\/|\bid_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?\b|\bauthorized_keys\b/gi },
  { cat: 'cloud credentials', hints: ['.aws', 'aws_', 'gcloud', 'application_default', '.azure', 'azureprofile'], re: /\.aws\/(?:credentials|config)\b|\baws_secret_access_key\b|\baws_session_token\b|\.config\/gcloud\b|\bapplication_default_credentials\.json\b|\.azure\/[\w.]{1,40}|\bazureProfile\.json\b/gi },
  { cat: 'cluster credentials', hints: ['.kube', '.docker'], re: /\.kube\/config\b|\.docker\/config\.json\b/gi },
  { cat: 'package and git credentials', hints: ['.npmrc', '.pypirc', '.netrc', '.git-cred', '.pgpass', '.my.cnf'], re: /(?:^|[\s"'`(\/~])\.(?:npmrc|pypirc|netrc|git-credentials|pgpass|my\.cnf)\b/gi },
  { cat: 'shell history', hints: ['_history'], re: /(?:^|[\s"'`(\/~])\.(?:bash_history|zsh_history|python_history|psql_history)\b/gi },
  { cat: 'MCP client configuration', hints: ['mcp.json', '.cursor', 'claude', '.codeium', 'cline_mcp', '.windsurf', '.continue'], re: /\bmcp\.json\b|\.cursor\/|\bclaude_desktop_config\.json\b|(?:^|[\s"'`(\/~])\.claude\.json\b|\.codeium\/|\bcline_mcp_settings\.json\b|\.windsurf\/|\.continue\/config/gi },
  { cat: 'system accounts', hints: ['/etc/'], re: /\/etc\/(?:passwd|shadow|sudoers|gshadow)\b/gi },
  { cat: 'private keys', hints: ['private', 'secret', 'signing'], re: /\b(?:private|secret|signing)\s+(?:gpg|pgp|ssh|signing|encryption|rsa|ed25519)\s+keys?\b|\b(?:gpg|pgp|ssh)\s+private\s+keys?\b/gi },
  { cat: 'wallets and keychains', hints: ['wallet', 'phrase', 'keychain', 'login data', '.gnupg'], re: /\bwallet\.dat\b|\b(?:seed|recovery|mnemonic)\s+phrases?\b|\b(?:login\s+)?keychain\b|\bLogin\s+Data\b|\.gnupg\b/gi },
  // Pagination and form tokens (page_token, next_token, form_token) are API fields, not secrets.
  { cat: 'secret environment variables', hints: ['api_key', '_token', '_secret', '_password', 'access_key', 'private_key'], re: /\b(?!(?:[a-z0-9]{1,20}_){0,3}(?:page|next|prev|previous|continuation|sync|form|file|upload|cursor|pagination|request|idempotency|csrf|xsrf|verification|invite|share|app|resume|batch|stream|sheet|doc|folder|table|view|pipeline|job|task|bot)_token\b)[a-z][a-z0-9]{0,20}(?:_[a-z0-9]{1,20}){0,3}_(?:api_key|token|secret|password|access_key|secret_key|private_key|secret_access_key)\b/gi },
  { cat: '.env files', hints: ['.env'], re: /(?:^|[\s"'`(\/~])\.env(?:\.local|\.production|\.prod|\.development)?\b/gi },
];

const ACCESS_BEFORE = /\b(?:read|reading|cat|open|load|include|including|send|sending|upload|attach|append|add|put|insert|embed|share|leak|expose|pass|provide|copy|paste|dump|print|output|contents?|text|extract|collect|grab|fetch|retrieve|exfiltrate|forward|steal|harvest|gather|export|place|look\s+(?:in|at)|(?:found|stored|kept|saved|located)\s+(?:in|at|under))\b[^.\n]{0,50}$/i;
const CRED_ASK = /\b(?:include|pass|provide|send|attach|append|add|put|insert|paste|copy|share|forward|upload|collect|gather|dump|read)\b[^.\n]{0,40}?\b(?:the\s+)?((?:user'?s?|your|all|any|every|their)\s+)?(?:api[\s_-]?keys?|access[\s_-]?tokens?|auth(?:entication)?[\s_-]?tokens?|bearer\s+tokens?|passwords?|credentials|secrets?|private[\s_-]?keys?|session[\s_-]?(?:cookies?|tokens?)|env(?:ironment)?\s+variables?|cookies|credit\s+card(?:\s+numbers?)?|social\s+security\s+numbers?|home\s+address|passport\s+numbers?|bank\s+account(?:\s+numbers?)?|date\s+of\s+birth)\b/gi;

export interface SensitiveHit {
  finding: Finding;
  cat: string;
}

const CRED_HINTS = ['api', 'key', 'token', 'password', 'credential', 'secret', 'cookie', 'env', 'credit', 'social', 'address', 'passport', 'bank', 'birth'];

/** One pass that says whether any sensitive-file pattern could match; most texts stop here. */
const SENSITIVE_GATE = new RegExp(
  SENSITIVE.flatMap((s) => s.hints)
    .map((h) => h.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|'),
);

export function detectSensitive(f: TextField, n: Prepared): SensitiveHit[] {
  const out: SensitiveHit[] = [];
  const gate = SENSITIVE_GATE.test(n.lower);
  for (const { cat, hints, re } of gate ? SENSITIVE : []) {
    if (!hints.some((h) => n.lower.includes(h))) continue;
    for (const m of matches(re, n.text)) {
      const s = span(n, m);
      const before = n.text.slice(Math.max(0, m.index - 60), m.index);
      const accessed = ACCESS_BEFORE.test(before);
      out.push({
        cat,
        finding: finding('sensitive-file', accessed ? 'medium' : 'low', accessed ? 0.65 : 0.4,
          accessed ? `asks to read or pass along ${cat} (${m[0].trim()})` : `mentions ${cat} (${m[0].trim()})`, f, s.start, s.end),
      });
      break;
    }
  }
  // Two different kinds of secret store in one text is a pattern, not a mention.
  const cats = out.map((h) => h.cat);
  const first = out[0];
  if (first && cats.length >= 2 && first.finding.severity === 'low') {
    first.finding.severity = 'medium';
    first.finding.confidence = 0.6;
    first.finding.message = `mentions ${cats.length} kinds of sensitive files (${cats.join(', ')})`;
  }
  if (!has(n, ...CRED_HINTS)) return out;
  for (const m of matches(CRED_ASK, n.text)) {
    const s = span(n, m);
    const broad = m[1] !== undefined && /user|all|any|every|their/i.test(m[1]);
    out.push({
      cat: 'credentials',
      finding: finding('sensitive-file', broad ? 'medium' : 'low', broad ? 0.6 : 0.35,
        broad ? "asks to collect or pass along the user's credentials" : 'asks to pass a credential', f, s.start, s.end),
    });
    break;
  }
  return out;
}

// ── exfiltration channels ───────────────────────────────────────────────────────────────────

/** Words without which no parameter description can ask for the conversation, tools or instructions. */
export const PARAM_ASK_HINTS = [
  'conversation', 'chat', 'messages', 'history', 'dialog', 'exchanges', 'context', 'interactions', 'transcript',
  'your', 'assistant', 'model', 'agent', 'llm', 'tools', 'functions', 'servers', 'plugins', 'integrations', 'user',
];
const EXFIL_HINTS = ['http', '![', '@', '+', '\\x', '\\u00', '%'];
const REDIRECT_HINTS = ['change', 'replace', 'set', 'overrid', 'modif', 'swap', 'redirect', 'reroute', 'switch'];
const COPY_HINTS = ['cc', 'copy', 'forward', 'send', 'blind'];
const SEND_HINTS = ['conversation', 'history', 'messages', 'prompt', 'credential', 'key', 'token', 'password', 'variables', 'cookie'];
const HAND_OVER_HINTS = ['conversation', 'chat', 'history', 'transcript', 'context', 'dialog'];
const URL = /\bhttps?:\/\/[^\s<>"'`)\]]{1,2048}/gi;
const EXFIL_HOSTS = /(?:^|\.)(?:webhook\.site|requestbin\.(?:com|net)|pipedream\.net|m\.pipedream\.net|ngrok(?:-free)?\.(?:io|app|dev)|burpcollaborator\.net|oastify\.com|interact\.sh|oast\.(?:pro|live|site|online|fun|me)|canarytokens\.(?:com|org)|beeceptor\.com|hookbin\.com|requestcatcher\.com|postb\.in|pastebin\.com|transfer\.sh|trycloudflare\.com|serveo\.net|loca\.lt|localtunnel\.me|ptpb\.pw|hastebin\.com|ghostbin\.\w+|dnslog\.cn|ceye\.io|xss\.ht)$/i;
const WEBHOOK_PATHS = /discord(?:app)?\.com\/api\/webhooks\/|hooks\.slack\.com\/(?:services|workflows)\/|api\.telegram\.org\/bot|outlook\.office\.com\/webhook/i;
const PLACEHOLDER_Q = /[?&][\w.-]{1,40}=(?:\{\{?\s{0,3}([\w.-]{1,60})|\$\{?([A-Za-z_][\w.]{0,60})|<([\w .-]{1,60})>|\[([\w .-]{1,60})\])/;
const DATA_WORD = /conversation|history|messages?|chat|secret|token|key|password|passwd|credential|content|context|prompt|env|ssh|cookie|session|summary|data|file|query|user|email|notes?/i;
const SEND_VERB = /\b(?:(?:send|post|upload|forward|transmit|submit|report|beacon|ping|exfiltrate|leak|sync|mirror|email|e-mail|deliver|relay|route|redirect|notify)(?:s|es|ed|ing)?|cc|bcc|copy|copies|copied|copying)\b[^.\n]{0,80}$/i;
const SENSITIVE_OBJECT = /\b(?:conversation|chat\s+history|message\s+history|previous\s+messages|all\s+messages|last\s+messages|system\s+prompt|credentials?|secrets?|private\s+keys?|api\s+keys?|access\s+tokens?|passwords?|env(?:ironment)?\s+variables|ssh\s+keys?|session\s+cookies?|contents?\s+of\s+(?:the\s+)?(?:file|~|\/|\.))/i;
const EMAIL = /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b/g;
const PHONE = /\+\d[\d ().-]{7,18}\d/g;
const REDIRECT = /\b(?:change|replace|set|override|modify|swap|redirect|reroute|switch)\s+(?:the\s+|all\s+|every\s+|each\s+|any\s+)?(?:recipients?|destination|to\s+(?:address|field|number)|receivers?|target\s+(?:account|address|number)|account\s+(?:number|id)|iban|wallet\s+address|payee|beneficiary|emails?|messages?|payments?|transfers?)\b(?!\s+(?:flags?|status|settings?|format|preferences?|labels?|folders?|templates?|signatures?|filters?|rules?))/gi;
const PAYMENT_REDIRECT = /\b(?:go|be\s+sent|be\s+paid|be\s+transferred|be\s+routed|be\s+redirected|be\s+deposited|be\s+wired)\s+to\s+(?:the\s+|our\s+|this\s+)?(?:iban|account|wallet|address|bank\s+account|crypto\s+wallet)\b/gi;
const ALSO_COPY = /\b(?:always|also|additionally|secretly|silently|automatically)\s+(?:bcc|cc|copy|forward|send\s+a\s+copy|send\s+(?:a\s+)?duplicate|blind[\s-]copy)\b(?!-)/gi;
const SEND_SENSITIVE = /\b(?:send|forward|upload|post|transmit|leak|exfiltrate|share|sync|report|relay|deliver|email|e-mail)\b[^.\n]{0,50}?\b(?:the\s+)?(?:full\s+|entire\s+|complete\s+|whole\s+|all\s+)?(?:conversation|chat\s+history|message\s+history|previous\s+messages|system\s+prompt|credentials|private\s+keys?|api\s+keys?|access\s+tokens?|passwords?|env(?:ironment)?\s+variables|ssh\s+keys?|session\s+cookies?)\b/gi;
const HAND_OVER_CONVERSATION = /\b(?:with|including|containing|pass(?:ing)?|send(?:ing)?|attach(?:ing)?|include|forward(?:ing)?|upload(?:ing)?|copy(?:ing)?|log(?:ging)?)\s+(?:the\s+|a\s+copy\s+of\s+the\s+|all\s+of\s+the\s+)?(?:full|entire|complete|whole|raw|verbatim)\s+(?:conversation|chat(?:\s+history)?|message\s+history|transcript|context|session\s+history|dialog(?:ue)?)\b/gi;
const MARKDOWN_IMAGE = /!\[[^\]\n]{0,200}\]\(\s{0,3}https?:\/\//g;

/** Documentation placeholders (RFC 2606 and friends): examples, not destinations. */
const EXAMPLE_DOMAIN = /(?:^|[.@])(?:example\.(?:com|org|net)|[\w-]+\.(?:test|example|invalid|localhost)|localhost|domain\.com|email\.com|company\.com|yourdomain\.com|acme\.com|contoso\.com|fabrikam\.com|northwindtraders\.com)$/i;

function hostOf(url: string): string | undefined {
  const m = /^https?:\/\/(?:[^@/\s]{1,200}@)?([^/:?#\s]{1,253})/i.exec(url);
  return m?.[1]?.toLowerCase();
}

function isPublicIp(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return !(a === 127 || a === 10 || a === 0 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254));
}

const PROSE = new Set(['description', 'param-description', 'instructions', 'prompt-text', 'title']);

/** The verb is a noun ("the Send", "each upload"). */
const DETERMINER_BEFORE = /\b(?:the|a|an|each|every|this|that|your|its)\s+$/i;
/** A purpose clause ("To change the recipient's email, delete and recreate it") or a capability ("can override"). */
const NOT_ORDERED_BEFORE = /(?:^|[,;:.(]\s*)to\s+$|\b(?:can|may|could|allows?\s+(?:you\s+)?to|lets?\s+you)\s+$/i;
/** The object is the subject of a description ("Upload credentials are generated internally"). */
const DESCRIBED_AFTER = /^\s+(?:are|is|were|was|will\s+be|get|gets|remain|stay)\b/i;

/** A send or redirect phrase that describes or names something rather than telling the agent to do it. */
function notAnOrder(t: string, m: RegExpExecArray): boolean {
  const before = t.slice(Math.max(0, m.index - 30), m.index);
  return DETERMINER_BEFORE.test(before) || NOT_ORDERED_BEFORE.test(before) || DESCRIBED_AFTER.test(t.slice(m.index + m[0].length, m.index + m[0].length + 12));
}

export function detectExfilChannel(f: TextField, n: Prepared): Finding[] {
  const out: Finding[] = [];
  const t = n.text;
  // Enum values and defaults reach the model as text too; only _meta is left to the secret rule.
  const prose = PROSE.has(f.kind) || f.kind === 'enum' || f.kind === 'default';
  for (const m of has(n, 'http') ? matches(URL, t) : []) {
    const url = m[0];
    const host = hostOf(url) ?? '';
    if (EXAMPLE_DOMAIN.test(host)) continue;
    const s = span(n, m);
    const before = t.slice(Math.max(0, m.index - 100), m.index);
    const ph = PLACEHOLDER_Q.exec(url);
    const phName = ph ? (ph[1] ?? ph[2] ?? ph[3] ?? ph[4] ?? '') : '';
    if (EXFIL_HOSTS.test(host) || WEBHOOK_PATHS.test(url)) {
      out.push(finding('exfil-channel', prose ? 'high' : 'medium', 0.85, `names a webhook/tunnel/paste host often used to collect stolen data (${host})`, f, s.start, s.end));
    } else if (ph && DATA_WORD.test(phName)) {
      out.push(finding('exfil-channel', 'high', 0.8, `URL carries a data placeholder ("${phName}") for the model to fill in`, f, s.start, s.end));
    } else if (isPublicIp(host)) {
      out.push(finding('exfil-channel', SEND_VERB.test(before) ? 'high' : 'medium', 0.6, `URL points at a raw IP address (${host})`, f, s.start, s.end));
    } else if (prose && SEND_VERB.test(before)) {
      const sensitive = SENSITIVE_OBJECT.test(before);
      out.push(finding('exfil-channel', sensitive ? 'high' : 'low', sensitive ? 0.8 : 0.35, sensitive ? `asks to send sensitive data to ${host}` : `asks to send data to ${host}`, f, s.start, s.end));
    }
  }
  for (const m of has(n, '![') ? matches(MARKDOWN_IMAGE, t) : []) {
    const s = span(n, m);
    out.push(finding('exfil-channel', 'medium', 0.6, 'markdown image with a remote URL: rendering it sends a request', f, s.start, s.end));
    break;
  }
  if (prose) {
    for (const re of [EMAIL, PHONE]) {
      if (!has(n, re === EMAIL ? '@' : '+')) continue;
      for (const m of matches(re, t)) {
        if (re === EMAIL && EXAMPLE_DOMAIN.test(m[0])) continue;
        // 555 numbers are reserved for fiction and documentation.
        if (re === PHONE && /^\+?1?[\s(.-]*555/.test(m[0])) continue;
        const around = t.slice(Math.max(0, m.index - 120), m.index);
        if (!SEND_VERB.test(around) && !/\b(?:recipient|proxy|instead|also|copy|bcc|cc)\b/i.test(around)) continue;
        const s = span(n, m);
        const what = re === EMAIL ? 'e-mail address' : 'phone number';
        out.push(finding('exfil-channel', 'high', 0.8, `asks to send or copy messages to a fixed ${what} (${m[0]})`, f, s.start, s.end));
        break;
      }
    }
    for (const [re, hints, sev, conf, msg] of [
      [REDIRECT, REDIRECT_HINTS, 'high', 0.8, 'asks to change the recipient or destination of messages or payments'],
      [PAYMENT_REDIRECT, ['iban', 'account', 'wallet', 'address'], 'medium', 0.65, 'routes payments or transfers to a fixed destination'],
      [ALSO_COPY, COPY_HINTS, 'high', 0.8, 'asks to copy or forward messages somewhere else as well'],
      [SEND_SENSITIVE, SEND_HINTS, 'medium', 0.65, 'asks to send the conversation or secrets somewhere'],
      [HAND_OVER_CONVERSATION, HAND_OVER_HINTS, 'medium', 0.65, 'asks to hand over the whole conversation'],
    ] as const) {
      if (!has(n, ...hints)) continue;
      for (const m of matches(re, t)) {
        if (re !== PAYMENT_REDIRECT && notAnOrder(t, m)) continue;
        const s = span(n, m);
        out.push(finding('exfil-channel', sev as Severity, conf, msg, f, s.start, s.end));
        break;
      }
    }
  }
  return out;
}

// ── encoded blobs ───────────────────────────────────────────────────────────────────────────

// The lookbehind makes the engine try only at the start of a run, so matching stays linear.
const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}/g;
const HEX = /\b[0-9a-fA-F]{40,}\b/g;
const ESCAPES: ReadonlyArray<[string, RegExp]> = [
  ['\\x', /(?:\\x[0-9a-fA-F][0-9a-fA-F]){8,}/g],
  ['\\u00', /(?:\\u00[0-9a-fA-F][0-9a-fA-F]){8,}/g],
  ['%', /(?:%[0-9a-fA-F][0-9a-fA-F]){12,}/g],
];

function readable(s: string): boolean {
  if (s.length < 12) return false;
  if (/^https?:\/\/[\x21-\x7e]{4,}$/.test(s)) return true; // a hidden URL is as telling as hidden prose
  let ok = 0;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x09) ok++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32) letters++;
  }
  return ok / s.length > 0.95 && letters / s.length > 0.7 && / [a-z]/i.test(s);
}

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/-/g, '+').replace(/_/g, '/');
  if (!/[0-9+/]/.test(clean) || !/[a-z]/.test(clean) || !/[A-Z]/.test(clean)) return undefined;
  try {
    return Buffer.from(clean, 'base64').toString('latin1');
  } catch {
    return undefined;
  }
}

function decodeEscapes(s: string): string {
  return s.replace(/\\x|\\u00|%/g, ' ').split(' ').filter(Boolean).map((h) => String.fromCharCode(parseInt(h, 16))).join('');
}

/** `rescan` runs the phrase and channel rules on decoded text so that hidden instructions escalate. */
export function detectEncoded(f: TextField, n: Prepared, rescan: (decoded: string) => Finding[]): Finding[] {
  const out: Finding[] = [];
  if (n.text.length < 24) return out;
  const t = n.text;
  const candidates: Array<{ m: RegExpExecArray; decoded: string | undefined; kind: string }> = [];
  for (const m of matches(BASE64, t)) {
    if (/^[0-9a-fA-F]+$/.test(m[0])) continue; // hashes and ids: the hex path handles them
    if (/data:[\w/+.-]{1,60};base64,$/i.test(t.slice(Math.max(0, m.index - 70), m.index))) continue;
    candidates.push({ m, decoded: decodeBase64(m[0]), kind: 'base64' });
  }
  for (const m of matches(HEX, t)) {
    if (m[0].length % 2 !== 0) continue;
    candidates.push({ m, decoded: Buffer.from(m[0], 'hex').toString('latin1'), kind: 'hex' });
  }
  for (const [hint, re] of ESCAPES) {
    if (!has(n, hint)) continue;
    for (const m of matches(re, t)) candidates.push({ m, decoded: decodeEscapes(m[0]), kind: 'escaped' });
  }
  for (const { m, decoded, kind } of candidates) {
    if (!decoded || !readable(decoded)) continue;
    const s = span(n, m);
    const inner = rescan(decoded);
    const bad = inner.some((x) => x.severity === 'medium' || x.severity === 'high' || x.severity === 'critical');
    out.push(
      finding('encoded-blob', bad ? 'high' : 'medium', bad ? 0.9 : 0.6,
        bad ? `${kind} text decodes to instructions (${[...new Set(inner.map((x) => x.ruleId))].join(', ')})` : `${kind} text decodes to readable text`,
        f, s.start, s.end, decoded),
    );
    if (out.length >= MAX_MATCHES) break;
  }
  return out;
}

// ── secrets ─────────────────────────────────────────────────────────────────────────────────

const SECRETS: ReadonlyArray<{ name: string; re: RegExp; severity: Severity; confidence: number; hint?: string }> = [
  { name: 'private key', hint: 'PRIVATE KEY', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g, severity: 'critical', confidence: 0.95 },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, severity: 'high', confidence: 0.85 },
  { name: 'GitHub token', hint: '_', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}/g, severity: 'high', confidence: 0.9 },
  { name: 'GitLab token', hint: 'glpat-', re: /\bglpat-[A-Za-z0-9_-]{20,}/g, severity: 'high', confidence: 0.9 },
  { name: 'Slack token', hint: 'xox', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, severity: 'high', confidence: 0.9 },
  { name: 'Slack webhook', hint: 'hooks.slack.com', re: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g, severity: 'high', confidence: 0.9 },
  { name: 'OpenAI/Anthropic key', hint: 'sk-', re: /\bsk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{32,}/g, severity: 'high', confidence: 0.85 },
  { name: 'Google API key', hint: 'AIza', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, severity: 'high', confidence: 0.85 },
  { name: 'Stripe live key', hint: '_live_', re: /\b(?:sk|rk)_live_[0-9a-zA-Z]{24,}/g, severity: 'high', confidence: 0.9 },
  { name: 'npm token', hint: 'npm_', re: /\bnpm_[A-Za-z0-9]{36}\b/g, severity: 'high', confidence: 0.9 },
  { name: 'JSON web token', hint: 'eyJ', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, severity: 'medium', confidence: 0.6 },
  { name: 'credentials in a URL', hint: '://', re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{1,64}:([^\s@/]{6,128})@/gi, severity: 'medium', confidence: 0.55 },
];

function placeholder(s: string): boolean {
  if (/x{4,}|\*{3,}|\.\.\.|<|\{|\$|example|your|placeholder|redacted|dummy|changeme|password|secret|passw|pass\b|token|test/i.test(s)) return true;
  return new Set(s).size < 10;
}

export function detectSecrets(f: TextField): Finding[] {
  const out: Finding[] = [];
  if (f.text.length < 16) return out;
  for (const sec of SECRETS) {
    if (sec.hint !== undefined && !f.text.includes(sec.hint)) continue;
    for (const m of matches(sec.re, f.text)) {
      const value = m[1] ?? m[0];
      if (sec.name !== 'private key' && placeholder(value)) continue;
      out.push(finding('secret-in-metadata', sec.severity, sec.confidence, `contains what looks like a ${sec.name}`, f, m.index, m.index + m[0].length));
      break;
    }
  }
  return out;
}
