import { basename } from 'node:path';
import { looksGenerated } from '@driftwatch/core';
import type { Dialect } from './types.js';

/**
 * Converts a client's `${...}` references into Driftwatch's (`${VAR}`, `${VAR:-default}`, see
 * packages/runtime/src/interpolate.ts). Driftwatch refuses any other `${` at load, so every `${` a
 * value keeps must be one of those: anything else is converted or the server is skipped.
 */
export interface ReferenceContext {
  dialect: Dialect;
  /** `${input:id}` → variable name (VS Code). */
  inputs?: ReadonlyMap<string, { variable: string }>;
  workspaceFolder?: string;
}

export type Segment = { kind: 'text'; text: string } | { kind: 'ref'; name: string; fallback?: string };

export type Converted = { ok: true; segments: Segment[] } | { ok: false; problem: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLAUDE_REF = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Splits `text` into literal text and references, converting the dialect's variables. */
export function convertReferences(text: string, ctx: ReferenceContext): Converted {
  const segments: Segment[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end < 0) return { ok: false, problem: 'has a "${" with no closing "}"' };
    const inner = text.slice(start + 2, end);
    if (inner.includes('${')) return { ok: false, problem: `uses a nested reference (${shown(inner)}), which Driftwatch does not expand` };
    const converted = convertOne(inner, ctx);
    if ('problem' in converted) return { ok: false, problem: converted.problem };
    if (converted.kind === 'text') {
      literal += converted.text;
    } else {
      // Driftwatch reads `$${` as an escaped `${`: a literal "$" right before a reference would
      // swallow it, and there is no way to write that pair.
      if (literal.endsWith('$')) return { ok: false, problem: 'has a "$" right before a reference, which Driftwatch would read as an escaped "${"' };
      if (literal) segments.push({ kind: 'text', text: literal });
      literal = '';
      segments.push(converted);
    }
    i = end + 1;
  }
  if (literal) segments.push({ kind: 'text', text: literal });
  return { ok: true, segments };
}

function convertOne(inner: string, ctx: ReferenceContext): Segment | { problem: string } {
  if (ctx.dialect === 'claude') {
    const m = CLAUDE_REF.exec(inner);
    if (!m) return { problem: `uses ${shown(inner)}, which is not a \${VAR} or \${VAR:-default} reference` };
    return m[2] === undefined ? { kind: 'ref', name: m[1]! } : { kind: 'ref', name: m[1]!, fallback: m[2] };
  }
  // VS Code and Cursor. Their own variables first: `${userHome}` is not an env variable.
  const colon = inner.indexOf(':');
  const prefix = colon < 0 ? inner : inner.slice(0, colon);
  const arg = colon < 0 ? '' : inner.slice(colon + 1);
  switch (prefix) {
    case 'env':
      return NAME.test(arg) ? { kind: 'ref', name: arg } : { problem: `uses ${shown(inner)}, whose variable name Driftwatch cannot reference` };
    case 'input': {
      const input = ctx.inputs?.get(arg);
      return input ? { kind: 'ref', name: input.variable } : { problem: `uses ${shown(inner)}, which no entry of "inputs" declares` };
    }
    case 'userHome':
      // The home of whoever runs the poller, which is what the path means there.
      return { kind: 'ref', name: 'HOME' };
    case 'workspaceFolder':
    case 'workspaceRoot':
      return ctx.workspaceFolder !== undefined
        ? { kind: 'text', text: ctx.workspaceFolder }
        : { problem: `uses ${shown(inner)}, but the file is not inside a workspace (.vscode or .cursor folder) to take it from` };
    case 'workspaceFolderBasename':
      return ctx.workspaceFolder !== undefined
        ? { kind: 'text', text: basename(ctx.workspaceFolder) }
        : { problem: `uses ${shown(inner)}, but the file is not inside a workspace (.vscode or .cursor folder) to take it from` };
    case 'pathSeparator':
    case '/':
      return { kind: 'text', text: '/' };
    default:
      // A bare `${NAME}` is not editor syntax, but it can only have meant the variable.
      if (NAME.test(inner)) return { kind: 'ref', name: inner };
      return { problem: `uses ${shown(inner)}, which has no Driftwatch equivalent` };
  }
}

/** A reference's text for a message: only when it is clearly a name, never anything value-like. */
function shown(inner: string): string {
  return /^[A-Za-z_/][\w.:/-]{0,63}$/.test(inner) && !looksGenerated(inner.slice(inner.indexOf(':') + 1)) ? `"\${${inner}}"` : 'a "${...}" reference';
}

/** Segments → Driftwatch text. */
export function render(segments: readonly Segment[]): string {
  return segments.map((s) => (s.kind === 'text' ? s.text : s.fallback === undefined ? `\${${s.name}}` : `\${${s.name}:-${s.fallback}}`)).join('');
}

/** Every Driftwatch reference (`${VAR}`, `${VAR:-default}`) in a converted value. */
export const DRIFTWATCH_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

export function referencedNames(value: string): string[] {
  return [...value.matchAll(DRIFTWATCH_REFERENCE)].map((m) => m[1]!);
}
