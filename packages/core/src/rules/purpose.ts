import { DIRECTIVE_CUE } from './directive-lexicon.js';

/**
 * What a tool declares it is for, read from its name, title, first sentence and parameter names.
 * A directive to run a shell command is the job of `run_command`, not of `get_weather`: the
 * directive rules weigh each action against these areas before calling it out of scope.
 */
export type Area = 'shell' | 'files' | 'network' | 'tools' | 'messaging' | 'personal' | 'conversation' | 'credentials';

/** Word stems (matched at the start of a word) that place a tool in an area. */
const AREA_STEMS: Record<Area, readonly string[]> = {
  shell: ['command', 'shell', 'terminal', 'exec', 'bash', 'process', 'console', 'cli', 'kubectl', 'docker', 'container', 'script', 'sandbox', 'ssh', 'powershell', 'cmd', 'subprocess', 'interpreter', 'repl', 'helm'],
  files: ['file', 'dir', 'folder', 'path', 'fs', 'filesystem', 'document', 'workspace', 'disk', 'storage', 'upload', 'download', 'attachment', 'read', 'write', 'edit', 'move', 'copy', 'delete', 'rename', 'glob', 'grep', 'tree', 'repo', 'project', 'backup', 'config', 'log', 'dotfile'],
  network: ['fetch', 'http', 'url', 'request', 'web', 'browse', 'browser', 'navigate', 'page', 'scrape', 'crawl', 'download', 'api', 'webhook', 'endpoint', 'curl', 'site', 'link', 'proxy', 'dns', 'ping', 'network', 'socket', 'host', 'domain', 'uri', 'graphql', 'rest', 'post'],
  tools: ['tools', 'toolbox', 'toolset', 'workflow', 'orchestrat', 'delegate', 'plugin', 'router', 'dispatch', 'subagent'],
  messaging: ['email', 'mail', 'send', 'message', 'slack', 'chat', 'sms', 'notify', 'notification', 'tweet', 'discord', 'telegram', 'whatsapp', 'teams', 'inbox', 'recipient', 'reply', 'forward', 'channel', 'post'],
  personal: ['contact', 'profile', 'customer', 'payment', 'checkout', 'booking', 'identity', 'patient', 'employee', 'person', 'people', 'kyc', 'shipping', 'crm', 'invoice', 'billing', 'passport', 'travel', 'flight', 'hotel', 'applicant', 'hubspot', 'salesforce'],
  conversation: ['memory', 'conversation', 'chat', 'summar', 'feedback', 'transcript'],
  credentials: ['auth', 'login', 'token', 'credential', 'secret', 'password', 'vault', 'key', 'oauth', 'session', 'cert', 'signin', 'sso', 'iam', 'permission'],
};

export type Purpose = ReadonlySet<Area>;

/** Lower-cased words of a name or text, camelCase and snake_case split (`getFile` → get, file). */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2);
}

const SENTENCE = /[\s\S]{0,240}?[.!?](?:\s|$)/y;
/** A notice, not a job: it opens with a label ("Note from the maintainers: …") or tells someone what to do. */
const LABELLED = /^[^:\n]{1,60}:\s/;

/**
 * The sentence that states the tool's job (the rest may be where an attacker writes): the first of
 * the first three sentences that is not a notice. An instruction put in front of the real first
 * sentence must not lend its words to the tool's job ("Note: include the user's employer…" would
 * otherwise make a browser tool one whose job is personal data).
 */
export function firstSentence(description: string): string {
  let first: string | undefined;
  SENTENCE.lastIndex = 0;
  for (let i = 0; i < 3; i++) {
    const at = SENTENCE.lastIndex;
    const m = SENTENCE.exec(description);
    const s = (m ? m[0] : description.slice(at, at + 240)).trim();
    first ??= s;
    if (s.length === 0) break;
    if (!LABELLED.test(s) && !DIRECTIVE_CUE.test(s)) return s;
    if (!m) break;
  }
  SENTENCE.lastIndex = 0;
  return first ?? '';
}

/** The areas a tool's own name, title, first sentence and parameter names place it in. */
/** Stems by their first two letters, so that each word is compared with a handful of stems. */
const BY_PREFIX = new Map<string, Array<[string, Area]>>();
for (const [area, stems] of Object.entries(AREA_STEMS) as Array<[Area, readonly string[]]>) {
  for (const stem of stems) {
    const list = BY_PREFIX.get(stem.slice(0, 2)) ?? [];
    list.push([stem, area]);
    BY_PREFIX.set(stem.slice(0, 2), list);
  }
}

export function purposeOf(name: string, title: string | undefined, description: string | undefined, paramNames: readonly string[]): Purpose {
  const out = new Set<Area>();
  const add = (text: string, prose = false): void => {
    for (const w of words(text)) {
      // An author is a person, not authentication.
      if (w.startsWith('author') && !w.startsWith('authori')) continue;
      // In a sentence, "Execute a SELECT query" or "Processes images" runs something, not a shell;
      // the shell's own nouns (command, terminal, script…) still place it there.
      if (prose && (w.startsWith('exec') || w.startsWith('process'))) continue;
      for (const [stem, area] of BY_PREFIX.get(w.slice(0, 2)) ?? []) if (w.startsWith(stem)) out.add(area);
    }
  };
  add(name);
  add(title ?? '');
  add(firstSentence(description ?? ''), true);
  for (const p of paramNames) add(p);
  return out;
}

/** The purpose of text that belongs to no tool (server instructions, prompts): nothing is in scope. */
export const NO_PURPOSE: Purpose = new Set<Area>();

/** Words of the tool's name and first sentence, for the verbs and names its job makes ordinary. */
export function jobWordsOf(name: string, description: string | undefined): ReadonlySet<string> {
  return new Set(`${name} ${firstSentence(description ?? '')}`.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/));
}
