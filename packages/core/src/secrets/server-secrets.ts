import type { DriftwatchConfig, ServerConfig } from '../config.js';
import { envSubstitutionsOf, type EnvSubstitution } from './provenance.js';
import type { SecretValue } from './scrubber.js';

/**
 * Which configured values are secrets. The rule, in the order it is applied:
 *
 * 1. URL credentials (server URL and model endpoint URLs): the password and the
 *    `username:password` pair (the probe sends it as HTTP Basic auth) — at any length.
 * 2. Every value that `${VAR}` interpolation put into an env value, a header value, an argument,
 *    or a URL's userinfo, query or path — at any length. Config files are committed; `${VAR}` is
 *    how a deployment keeps a credential out of them. (A `${VAR}` that supplies a URL's scheme,
 *    host or port, such as `url: ${MCP_URL}`, is addressing, not a credential.)
 * 3. A literal env value, header value, query value, URL username or argument of at least 4
 *    characters whose name marks a credential: `GITHUB_TOKEN`, `Authorization`, `X-Api-Key`,
 *    `?api_key=`, `--token`… (name words: see CREDENTIAL_WORDS), unless the value is a URL, a
 *    path or a setting word (`true`, `off` …). For an `Authorization`-style value (`Bearer abc…`),
 *    the credential after the scheme is a secret on its own too.
 * 4. Any other literal of those fields that looks generated: 16+ characters, no whitespace,
 *    letters and digits, not a URL or a path.
 *
 * Other literals (`NODE_ENV: production`, `READ_ONLY: "true"`, `DEBUG: "1"`, `?format=json`) are
 * settings written in clear in the config file. Treating them as secrets would mask ordinary words
 * in logs and in tool text, and raise a critical finding (and a quarantine) whenever a tool says
 * "true". Values shorter than 4 characters that are secrets by rule 1 or 2 are matched only as
 * whole tokens (see SHORT_SECRET_LENGTH).
 */
export const LITERAL_SECRET_MIN_LENGTH = 4;

const CREDENTIAL_WORDS = new Set([
  'auth', 'authorization', 'authentication', 'token', 'secret', 'password', 'passwd', 'pass', 'pwd',
  'key', 'apikey', 'credential', 'credentials', 'cred', 'creds', 'cookie', 'signature', 'bearer',
  'privatekey', 'jwt', 'pat', 'otp', 'passphrase', 'sas',
]);
/** Values that are settings whatever the name says (`AUTH_ENABLED: "true"`). */
const SETTING_WORDS = /^(?:true|false|yes|no|on|off|none|null|enabled|disabled)$/i;
/** Glued names (`ACCESSTOKEN`, `clientsecret`): these words also count at the end of a word. */
const CREDENTIAL_SUFFIXES = ['token', 'secret', 'password', 'passwd', 'apikey', 'passphrase'];

/** True when a variable, header, query key or flag name says it holds a credential. */
export function isCredentialName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => CREDENTIAL_WORDS.has(w) || CREDENTIAL_SUFFIXES.some((s) => w.length > s.length && w.endsWith(s)));
}

function isUrlOrPath(value: string): boolean {
  return value.includes('://') || /^(?:\/|\.\.?[\\/]|~[\\/]|[A-Za-z]:[\\/])/.test(value);
}

/** Rule 4: a literal that looks like a generated token rather than a setting, a URL or a path. */
export function looksGenerated(value: string): boolean {
  return value.length >= 16 && !/\s/.test(value) && /[A-Za-z]/.test(value) && /[0-9]/.test(value) && !isUrlOrPath(value);
}

/** Rule 3: a credential-named literal that is not a flag, a URL or a path. */
function namedCredential(name: string, value: string): boolean {
  return value.length >= LITERAL_SECRET_MIN_LENGTH && isCredentialName(name) && !SETTING_WORDS.test(value) && !isUrlOrPath(value);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `Bearer abc`, `Basic abc`, `token abc`: the credential after an auth scheme. */
function afterScheme(value: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9_-]*\s+(\S+)$/.exec(value.trim());
  return m?.[1];
}

/**
 * Rules 3 and 4 for one literal: true when `value`, configured under `name` (an env variable, a
 * header, a query key or a flag), is a secret. The catalog API refuses such a value (see
 * core/catalog) and `driftwatch import` uses it to decide which client
 * config values become `${VAR}` references instead of being copied.
 */
export function isLiteralSecret(name: string, value: string): boolean {
  return namedCredential(name, value) || looksGenerated(value);
}

function literal(out: SecretValue[], name: string, value: string, source: string): void {
  if (isLiteralSecret(name, value)) {
    out.push({ value, source });
    const credential = afterScheme(value);
    if (credential && credential.length >= LITERAL_SECRET_MIN_LENGTH) out.push({ value: credential, source });
  }
}

function urlSecrets(out: SecretValue[], raw: string, prefix: string): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return;
  }
  const username = safeDecode(u.username);
  const password = safeDecode(u.password);
  if (password) out.push({ value: password, source: `${prefix}:password` });
  if (username && password) out.push({ value: `${username}:${password}`, source: `${prefix}:userinfo` });
  if (username) literal(out, 'username', username, `${prefix}:username`);
  for (const [key, value] of u.searchParams) literal(out, key, value, `${prefix}:query:${key}`);
}

/** Rule 2 for URLs: where in the URL the substituted value landed, if in a credential-bearing part. */
function urlPartHolding(raw: string, value: string): string | undefined {
  if (value.includes('://')) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (safeDecode(u.password).includes(value)) return 'password';
  if (safeDecode(u.username).includes(value)) return 'username';
  for (const [key, v] of u.searchParams) if (v.includes(value)) return `query:${key}`;
  if (u.pathname.includes(value) || safeDecode(u.pathname).includes(value)) return 'path';
  return undefined;
}

function substituted(out: SecretValue[], server: ServerConfig, s: EnvSubstitution): void {
  const [field, key] = s.path;
  if (field === 'env' && typeof key === 'string') out.push({ value: s.value, source: `env:${key}` });
  else if (field === 'headers' && typeof key === 'string') out.push({ value: s.value, source: `header:${key}` });
  else if (field === 'args' && typeof key === 'number') out.push({ value: s.value, source: `arg:${key}` });
  else if (field === 'url' && server.transport === 'http') {
    const part = urlPartHolding(server.url, s.value);
    if (part) out.push({ value: s.value, source: `url:${part}` });
  } else if (field === 'models' && (key === 'openai' || key === 'ollama')) {
    const url = server.models?.[key];
    const part = url ? urlPartHolding(url, s.value) : undefined;
    if (part) out.push({ value: s.value, source: `models.${key}:${part}` });
  }
}

/** The secret values of one server entry, each named by where it was configured (see the rule above). */
export function secretsOfServer(server: ServerConfig): SecretValue[] {
  const out: SecretValue[] = [];
  // Interpolated values first, so a value configured in two places is named after its variable.
  for (const s of envSubstitutionsOf(server)) if (s.value) substituted(out, server, s);
  if (server.transport === 'stdio') {
    for (const [name, value] of Object.entries(server.env ?? {})) literal(out, name, value, `env:${name}`);
    server.args.forEach((arg, i) => {
      const eq = /^--?([A-Za-z0-9_-]+)=(.+)$/.exec(arg);
      if (eq) literal(out, eq[1]!, eq[2]!, `arg:${i}`);
      else if (!arg.startsWith('-')) {
        const flag = /^--?([A-Za-z0-9_-]+)$/.exec(server.args[i - 1] ?? '');
        literal(out, flag?.[1] ?? '', arg, `arg:${i}`);
      }
    });
  } else {
    for (const [name, value] of Object.entries(server.headers ?? {})) literal(out, name, value, `header:${name}`);
    urlSecrets(out, server.url, 'url');
  }
  if (server.models?.openai) urlSecrets(out, server.models.openai, 'models.openai');
  if (server.models?.ollama) urlSecrets(out, server.models.ollama, 'models.ollama');
  return out;
}

/** Every secret of every server: what the process-wide log scrubber must know. */
export function secretsOfConfig(config: DriftwatchConfig): SecretValue[] {
  return config.servers.flatMap(secretsOfServer);
}
