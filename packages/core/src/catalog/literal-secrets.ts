import type { ServerConfig } from '../config.js';
import { isLiteralSecret } from '../secrets/index.js';
import { credentialFields, type EntryPath } from './entry.js';
import { literalPart } from './references.js';
import { holdsLiteralSecret } from './config-refs.js';

export interface LiteralSecretProblem {
  path: EntryPath;
  message: string;
}

const USE_A_REFERENCE = 'pass a reference instead: ${NAME} (a variable where the poller runs) or ${file:/run/secrets/NAME}';

function urlProblems(raw: string, path: EntryPath): LiteralSecretProblem[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return [];
  }
  const out: LiteralSecretProblem[] = [];
  const password = decode(u.password);
  if (password && literalPart(password) !== '') {
    out.push({ path, message: `the URL holds a password in clear; ${USE_A_REFERENCE}` });
  }
  for (const [key, value] of u.searchParams) {
    if (isLiteralSecret(key, literalPart(value))) {
      out.push({ path, message: `the URL's query parameter "${key}" holds a credential in clear; ${USE_A_REFERENCE}` });
    }
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The credential fields of `server` that hold a secret written in clear, judged by the rule the
 * log scrubber uses (core's secrets: credential-like names such as `Authorization`, `X-Api-Key`,
 * `GITHUB_TOKEN`, `--token`; values that look generated; URL passwords and credential-named
 * query values). What comes through the catalog API must name its secrets by reference, so
 * that neither the store, the topic nor any API answer ever holds one. Messages name the field,
 * never the value.
 */
export function literalSecretProblems(server: ServerConfig): LiteralSecretProblem[] {
  const out: LiteralSecretProblem[] = [];
  for (const field of credentialFields(server)) {
    if (field.kind === 'url') {
      out.push(...urlProblems(field.value, field.path));
      continue;
    }
    // The clear part of `${TOKEN:-abc}` is its default: a default is a value written in the entry.
    if (holdsLiteralSecret(field)) {
      out.push({ path: field.path, message: `holds a credential in clear; ${USE_A_REFERENCE}` });
    }
  }
  return out;
}
