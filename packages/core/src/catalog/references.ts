/**
 * Credential references: how a catalog entry (and a config file) names a secret without holding it.
 *
 * - `${NAME}` — the environment variable NAME where the entry is resolved (the poller).
 * - `${NAME:-default}` — the same, with a default written in clear when it is unset or empty.
 * - `${file:/run/secrets/token}` — the content of a secret file (one trailing newline dropped),
 *   the way Docker and Kubernetes mount secrets. The path is absolute and normalised.
 * - `${config:headers:Authorization}` — written by Driftwatch only, for a credential the config
 *   file holds in clear: the value that field has in the config file of the process that
 *   resolves it (see config-refs.ts), so the literal never leaves the file for the store or a topic.
 * - `$${` — a literal `${`.
 *
 * Anything else that starts with `${` is malformed and refused, so a typo such as `${API KEY}`
 * can never be sent to a server as if it were the credential.
 */
export const REFERENCE_PATTERN = /\$\$\{|\$\{file:([^}]*)\}|\$\{config:([^}]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;

export type ReferenceToken =
  | { kind: 'escape' }
  | { kind: 'env'; name: string; fallback?: string }
  | { kind: 'file'; path: string }
  | { kind: 'config'; ref: string }
  | { kind: 'malformed' };

export interface ReferenceMatch {
  token: ReferenceToken;
  /** Index of the match in the text, and its length. */
  index: number;
  length: number;
}

/** `headers:<name>`, `env:<name>`, `args:<i>`, `url:password`, `url:query:<key>`, `models.openai:…` (names URI-encoded). */
const CONFIG_REF = /^(?:(?:headers|env):[^:]+|args:\d+|(?:url|models\.openai|models\.ollama):(?:password|query:[^:]+))$/;

/** Longest secret file path accepted. */
export const MAX_SECRET_PATH = 1024;

/** Every reference-like token in `text`, in order. */
export function scanReferences(text: string): ReferenceMatch[] {
  if (!text.includes('${')) return [];
  const out: ReferenceMatch[] = [];
  for (const m of text.matchAll(REFERENCE_PATTERN)) {
    out.push({ token: tokenOf(m), index: m.index, length: m[0].length });
  }
  return out;
}

function tokenOf(m: RegExpMatchArray): ReferenceToken {
  if (m[0] === '$${') return { kind: 'escape' };
  if (m[1] !== undefined) return { kind: 'file', path: m[1] };
  if (m[2] !== undefined) return { kind: 'config', ref: m[2] };
  if (m[3] !== undefined) return m[4] !== undefined ? { kind: 'env', name: m[3], fallback: m[4] } : { kind: 'env', name: m[3] };
  return { kind: 'malformed' };
}

/** True when `text` names at least one variable, secret file or config-file value. */
export function hasReference(text: string): boolean {
  return scanReferences(text).some((r) => isResolvable(r.token));
}

/** A token that stands for a value (a variable, a secret file, a config-file value). */
export function isResolvable(token: ReferenceToken): boolean {
  return token.kind === 'env' || token.kind === 'file' || token.kind === 'config';
}

/**
 * What `text` says in clear: references removed, their defaults kept (a default is written in
 * the entry, so it is a literal), `$${` read as `${`. The catalog API judges this part.
 */
export function literalPart(text: string): string {
  let out = '';
  let at = 0;
  for (const r of scanReferences(text)) {
    out += text.slice(at, r.index);
    if (r.token.kind === 'escape') out += '${';
    else if (r.token.kind === 'env' && r.token.fallback !== undefined) out += r.token.fallback;
    else if (r.token.kind === 'malformed') out += '${';
    at = r.index + r.length;
  }
  return out + text.slice(at);
}

/**
 * Why a secret file path is not acceptable, or undefined. Absolute and normalised, so that the
 * directory check where it is read (see the catalog resolver) cannot be walked out of with `..`.
 */
export function secretPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'the secret file path is empty';
  if (path.length > MAX_SECRET_PATH) return `the secret file path is longer than ${MAX_SECRET_PATH} characters`;
  if (!path.startsWith('/')) return 'the secret file path must be absolute (start with /)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'the secret file path must not contain control characters';
  if (path.split('/').some((segment, i, all) => segment === '..' || segment === '.' || (segment === '' && i > 0 && i < all.length - 1))) {
    return 'the secret file path must be normalised (no ".", ".." or empty segments)';
  }
  return undefined;
}

/** Why the references in `text` are not acceptable (malformed token, bad file path), or undefined. */
export function referenceProblem(text: string): string | undefined {
  for (const r of scanReferences(text)) {
    if (r.token.kind === 'malformed') return 'malformed "${...}" reference (use ${NAME}, ${NAME:-default} or ${file:/path}; write $${ for a literal ${)';
    if (r.token.kind === 'config' && !CONFIG_REF.test(r.token.ref)) return 'malformed ${config:...} reference';
    if (r.token.kind === 'file') {
      const problem = secretPathProblem(r.token.path);
      if (problem) return problem;
    }
  }
  return undefined;
}
