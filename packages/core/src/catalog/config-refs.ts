import type { ServerConfig } from '../config.js';
import { isCredentialName, isLiteralSecret, isPackageSpec } from '../secrets/index.js';
import { credentialFields, type CatalogEntry, type CredentialField } from './entry.js';
import { isResolvable, literalPart, scanReferences } from './references.js';

/**
 * Credentials a config file writes in clear (`Authorization: Bearer abc…`, a URL password) stay
 * in the file. The catalog entry made from the file points at them instead —
 * `${config:headers:Authorization}`, `${config:url:password}`, `${config:url:query:key}` — and the
 * poller resolves such a pointer from its own copy of the file (the config it loaded), so the
 * literal never reaches the store, `mcp.catalog.v1` or an API answer. Only the file sync writes
 * these pointers; the catalog API refuses them.
 */

interface Span {
  start: number;
  end: number;
}

export interface UrlCredentialParts {
  password?: Span;
  query: Array<Span & { key: string }>;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Where a URL's text holds credentials: the password of its userinfo, and each query value (with
 * its decoded key). Positions in the text as written, so a part can be cut out or replaced
 * exactly; references inside the URL (`${file:/a/b}`) are skipped over when looking for `/?#@&=`.
 */
export function urlCredentialParts(text: string): UrlCredentialParts {
  let masked = text;
  for (const r of scanReferences(text)) masked = masked.slice(0, r.index) + 'x'.repeat(r.length) + masked.slice(r.index + r.length);
  const out: UrlCredentialParts = { query: [] };
  const scheme = masked.indexOf('://');
  if (scheme < 0) return out;
  const authStart = scheme + 3;
  const authEndRel = masked.slice(authStart).search(/[/?#]/);
  const authEnd = authEndRel < 0 ? masked.length : authStart + authEndRel;
  const at = masked.lastIndexOf('@', authEnd - 1);
  if (at >= authStart) {
    const colon = masked.indexOf(':', authStart);
    if (colon >= 0 && colon < at) out.password = { start: colon + 1, end: at };
  }
  const q = masked.indexOf('?', authEnd);
  if (q < 0) return out;
  const hash = masked.indexOf('#', q);
  const end = hash < 0 ? masked.length : hash;
  let pos = q + 1;
  while (pos <= end) {
    const amp = masked.indexOf('&', pos);
    const pieceEnd = amp < 0 || amp > end ? end : amp;
    const eq = masked.indexOf('=', pos);
    if (eq >= 0 && eq < pieceEnd) out.query.push({ key: decode(text.slice(pos, eq)), start: eq + 1, end: pieceEnd });
    pos = pieceEnd + 1;
  }
  return out;
}

/** `Bearer ${TOKEN}`: an auth scheme in front of a single reference is not a credential in clear. */
export function schemeBeforeReference(value: string): boolean {
  const refs = scanReferences(value).filter((r) => isResolvable(r.token));
  if (refs.length !== 1) return false;
  const only = refs[0]!;
  if (only.token.kind === 'env' && only.token.fallback) return false;
  return /^[A-Za-z][A-Za-z0-9_-]{0,31}\s+$/.test(value.slice(0, only.index)) && only.index + only.length === value.length;
}

/**
 * True when the field's clear part is a credential by core's secret rules (a default counts as
 * clear). An argument that names what to run (`pkg@1.2.3`, an image, a script) is not one unless
 * its flag says it is: it only looks generated.
 */
export function holdsLiteralSecret(field: Pick<CredentialField, 'name' | 'value'> & { kind?: CredentialField['kind'] }): boolean {
  if (schemeBeforeReference(field.value)) return false;
  const clear = literalPart(field.value).trim();
  if (field.kind === 'arg' && !isCredentialName(field.name) && isPackageSpec(clear)) return false;
  return isLiteralSecret(field.name, clear);
}

const enc = encodeURIComponent;

function fieldKey(field: CredentialField): string {
  const [a, b] = field.path;
  if (a === 'headers' || a === 'env') return `${a}:${enc(String(b))}`;
  if (a === 'args') return `args:${String(b)}`;
  return a === 'models' ? `models.${String(b)}` : 'url';
}

/** The URL with its literal password and credential-named (or generated-looking) query values replaced by pointers. */
function urlWithPointers(text: string, key: string): string {
  const parts = urlCredentialParts(text);
  const cuts: Array<Span & { ref: string }> = [];
  if (parts.password && parts.password.end > parts.password.start) {
    const clear = literalPart(text.slice(parts.password.start, parts.password.end));
    if (clear !== '' && !hasResolvable(text.slice(parts.password.start, parts.password.end))) cuts.push({ ...parts.password, ref: `\${config:${key}:password}` });
  }
  for (const p of parts.query) {
    const value = text.slice(p.start, p.end);
    if (!hasResolvable(value) && isLiteralSecret(p.key, decode(value))) cuts.push({ ...p, ref: `\${config:${key}:query:${enc(p.key)}}` });
  }
  let out = text;
  for (const c of cuts.sort((x, y) => y.start - x.start)) out = out.slice(0, c.start) + c.ref + out.slice(c.end);
  return out;
}

function hasResolvable(text: string): boolean {
  return scanReferences(text).some((r) => isResolvable(r.token));
}

/**
 * The entry with every credential the file wrote in clear replaced by a `${config:...}` pointer
 * (whole header, env value or argument; the password or query value inside a URL). Values that
 * are not secrets by core's rules (`Accept: application/json`, `NODE_ENV: production`) stay.
 */
export function withConfigPointers(entry: CatalogEntry): CatalogEntry {
  const out = structuredClone(entry) as CatalogEntry & Record<string, unknown>;
  for (const field of credentialFields(entry)) {
    const key = fieldKey(field);
    const [a, b] = field.path;
    if (field.kind === 'url') {
      const text = a === 'models' ? entry.models?.[b as 'openai' | 'ollama'] : entry.transport === 'http' ? entry.url : undefined;
      if (text === undefined) continue;
      const next = urlWithPointers(text, key);
      if (next === text) continue;
      if (a === 'models') (out.models as Record<string, unknown>)[b as string] = next;
      else out.url = next;
      continue;
    }
    if (!holdsLiteralSecret(field)) continue;
    const ref = `\${config:${key}}`;
    if (a === 'args') (out.args as string[])[b as number] = ref;
    else (out[a as 'headers' | 'env'] as Record<string, string>)[b as string] = ref;
  }
  return out;
}

/**
 * The value a `${config:...}` pointer stands for in `server` (the config-file entry of the same
 * id, as the resolving process loaded it), or undefined when the file has no such value.
 */
export function configPointerValue(server: ServerConfig, ref: string): string | undefined {
  const [field, a, b] = ref.split(':');
  const dec = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s));
  if (field === 'headers') return server.transport === 'http' ? server.headers[dec(a)!] : undefined;
  if (field === 'env') return server.transport === 'stdio' ? server.env[dec(a)!] : undefined;
  if (field === 'args') return server.transport === 'stdio' ? server.args[Number(a)] : undefined;
  const text = field === 'url' ? (server.transport === 'http' ? server.url : undefined) : field === 'models.openai' ? server.models?.openai : field === 'models.ollama' ? server.models?.ollama : undefined;
  if (text === undefined) return undefined;
  const parts = urlCredentialParts(text);
  if (a === 'password') return parts.password ? text.slice(parts.password.start, parts.password.end) : undefined;
  if (a === 'query') {
    const key = dec(b);
    const part = parts.query.find((p) => p.key === key);
    return part ? text.slice(part.start, part.end) : undefined;
  }
  return undefined;
}
