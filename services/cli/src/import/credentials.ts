import { isCredentialName, isLiteralSecret, isPackageSpec, looksGenerated } from '@driftwatch/core';
import { DRIFTWATCH_REFERENCE } from './references.js';
import type { Variables } from './variables.js';

/**
 * Pulls credentials out of converted values: a literal the core secret rules call a secret
 * (packages/core/src/secrets/server-secrets.ts: a credential-named literal, or one that looks
 * generated) becomes a `${VAR}` reference with a generated name. The value itself goes nowhere.
 *
 * Values may already hold references (`Bearer ${TOKEN}`); those parts are left alone, and the
 * name-based rule only applies to a value that is one literal.
 */
export interface FieldContext {
  serverId: string;
  vars: Variables;
  /** Recorded in the variable list (`env GITHUB_TOKEN`, `header Authorization`, `args[2]`). */
  where: string;
  /** Base of a generated variable name (`GITHUB_TOKEN`, `AUTHORIZATION`, `URL`, `TOKEN`). */
  label: string;
}

/** Auth schemes whose credential follows a space (`Bearer abc`): the scheme stays in the value. */
const AUTH_SCHEME = /^((?:Bearer|Basic|Token|Bot|Digest|ApiKey|Api-Key|Key|SSWS|Splunk|DeepL-Auth-Key)\s+)(\S+)$/i;
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** `NAME=value`, as in `docker run -e NAME=value`. */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s;
/** `--flag=value`. */
const FLAG_VALUE = /^(--?[A-Za-z0-9_-]+)=(.*)$/s;

/** An env or header value named `name`. */
export function protectValue(value: string, name: string, ctx: FieldContext): string {
  if (!value.includes('${')) {
    if (URL_LIKE.test(value)) return protectUrl(value, ctx);
    if (isLiteralSecret(name, value)) return replaceCredential(value, ctx);
  }
  return protectTokens(value, ctx, false);
}

/** A server URL. */
export function protectServerUrl(url: string, ctx: FieldContext): string {
  return protectUrl(url, ctx);
}

/**
 * The arguments of a stdio server, read the way core reads them: `--flag=value`, and a value
 * right after `--flag`, are named by the flag. Package specs, images and paths (`pkg@1.2.3`,
 * `ghcr.io/org/image:1`, `tools/db.js`, `/srv/data`) are not taken for generated tokens, or no
 * `npx` line would survive the import.
 */
export function protectArgs(args: readonly string[], ctx: Omit<FieldContext, 'where' | 'label'>): string[] {
  return args.map((arg, i) => {
    const where = `args[${i}]`;
    if (arg.includes('${')) return protectTokens(arg, { ...ctx, where, label: `ARG_${i}` }, true);
    const flagValue = FLAG_VALUE.exec(arg);
    if (flagValue) {
      const [, flag, value] = flagValue as unknown as [string, string, string];
      const label = flag.replace(/^-+/, '');
      return `${flag}=${protectArgValue(value, label, { ...ctx, where, label })}`;
    }
    const assignment = ASSIGNMENT.exec(arg);
    if (assignment) {
      const [, name, value] = assignment as unknown as [string, string, string];
      return `${name}=${protectArgValue(value, name, { ...ctx, where, label: name })}`;
    }
    if (arg.startsWith('-')) return arg;
    const flag = /^--?([A-Za-z0-9_-]+)$/.exec(args[i - 1] ?? '')?.[1];
    // A URL's parts name themselves (`<SERVER>_PASSWORD`); another value is named by its position.
    const label = flag ?? (URL_LIKE.test(arg) ? '' : `ARG_${i}`);
    return protectArgValue(arg, flag ?? '', { ...ctx, where, label });
  });
}

function protectArgValue(value: string, name: string, ctx: FieldContext): string {
  if (value.includes('${')) return protectTokens(value, ctx, true);
  if (URL_LIKE.test(value)) return protectUrl(value, ctx);
  if (name && isCredentialName(name) && isLiteralSecret(name, value)) return replaceCredential(value, ctx);
  return protectTokens(value, ctx, true);
}

function replaceCredential(value: string, ctx: FieldContext): string {
  const scheme = AUTH_SCHEME.exec(value);
  if (scheme) return `${scheme[1]}\${${ctx.vars.forLiteral(ctx.serverId, ctx.label, scheme[2]!, ctx.where)}}`;
  return `\${${ctx.vars.forLiteral(ctx.serverId, ctx.label, value, ctx.where)}}`;
}

/**
 * Each whitespace-separated token that is a URL has its credentials pulled out; in each other
 * token, a literal part (between references) that looks generated is replaced whole.
 */
function protectTokens(value: string, ctx: FieldContext, argument: boolean): string {
  return value.replace(/\S+/g, (token) => {
    if (URL_LIKE.test(token)) return protectUrl(token, ctx);
    // The catalog API's own test (core's isPackageSpec): what it accepts in clear stays in clear.
    if (argument && isPackageSpec(token)) return token;
    return mapLiteralParts(token, (text) => (looksGenerated(text) ? `\${${ctx.vars.forLiteral(ctx.serverId, ctx.label, text, ctx.where)}}` : text));
  });
}

/** Applies `fn` to the text between references. */
function mapLiteralParts(value: string, fn: (text: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of value.matchAll(DRIFTWATCH_REFERENCE)) {
    out += fn(value.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + fn(value.slice(last));
}

const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s;

/**
 * URL credentials, rewritten as text (a URL parser would percent-encode the `${` it inserts):
 * the password, a username or path segment that looks generated (Zapier-style keys in the path),
 * and query values the secret rules call secrets (`?api_key=…`).
 */
function protectUrl(url: string, ctx: FieldContext): string {
  const m = URL_PARTS.exec(url);
  if (!m) return url;
  const [, scheme, authority, path, query, fragment] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
  const literal = (text: string) => text !== '' && !text.includes('${');
  const ref = (suffix: string, secret: string) =>
    `\${${ctx.vars.forLiteral(ctx.serverId, ctx.label ? `${ctx.label}_${suffix}` : suffix, secret, `${ctx.where} (${suffix.toLowerCase().replace(/_/g, ' ')})`)}}`;

  let newAuthority = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    let user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    let password = colon < 0 ? undefined : userinfo.slice(colon + 1);
    if (password !== undefined && literal(password)) password = ref('PASSWORD', decode(password));
    if (literal(user) && looksGenerated(decode(user))) user = ref('USER', decode(user));
    newAuthority = `${user}${password === undefined ? '' : `:${password}`}@${authority.slice(at + 1)}`;
  }
  const newPath = path
    .split('/')
    .map((segment) => (literal(segment) && looksGenerated(decode(segment)) ? ref('PATH', decode(segment)) : segment))
    .join('/');
  const newQuery =
    query === undefined
      ? ''
      : '?' +
        query
          .slice(1)
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 0) return pair;
            const key = pair.slice(0, eq);
            const value = pair.slice(eq + 1);
            if (!literal(value) || !isLiteralSecret(decode(key), decode(value))) return pair;
            return `${key}=${ref(decode(key), decode(value))}`;
          })
          .join('&');
  return `${scheme}${newAuthority}${newPath}${newQuery}${fragment ?? ''}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A `${VAR:-default}` whose default is a credential keeps the reference and loses the default:
 * the default would be the literal written into the catalog.
 */
export function dropSecretDefaults(value: string, fieldName: string): { value: string; dropped: string[] } {
  const dropped: string[] = [];
  const out = value.replace(DRIFTWATCH_REFERENCE, (whole: string, name: string) => {
    const colon = whole.indexOf(':-');
    if (colon < 0) return whole;
    const fallback = whole.slice(colon + 2, -1);
    if (!isLiteralSecret(name, fallback) && !isLiteralSecret(fieldName, fallback)) return whole;
    dropped.push(name);
    return `\${${name}}`;
  });
  return { value: out, dropped };
}
