import { stringify } from 'yaml';
import type { CatalogEntry, ImportPlan } from './build.js';
import type { PostResult } from './post.js';
import { FORMAT_TITLES } from './types.js';

export const OUTPUTS = ['text', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

export interface Rendered {
  plan: ImportPlan;
  /** How the format was chosen: "--format", or what auto-detection went by. */
  because: string;
  dryRun: boolean;
  results?: PostResult[];
}

/** The report as text, JSON or YAML. JSON and YAML carry the same document. */
export function renderReport(r: Rendered, output: Output): string {
  if (output === 'text') return renderText(r);
  const doc = {
    source: r.plan.source,
    format: r.plan.format,
    dryRun: r.dryRun,
    servers: r.plan.entries,
    skipped: r.plan.skipped,
    notes: r.plan.notes,
    variables: r.plan.variables,
    ...(r.results ? { results: r.results } : {}),
  };
  return output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc);
}

function renderText(r: Rendered): string {
  const { plan } = r;
  const lines: string[] = [`${plan.source}: read as ${FORMAT_TITLES[plan.format]} (${r.because})`, ''];
  const n = plan.entries.length;
  if (n === 0) lines.push('No servers to add.');
  else {
    const approval = plan.entries[0]!.approval ?? 'required';
    lines.push(`${r.dryRun ? 'Would add' : 'Servers'} (${n}, approval: ${approval}):`);
    const width = Math.min(32, Math.max(...plan.entries.map((e) => e.id.length)));
    for (const e of plan.entries) lines.push(`  ${e.id.padEnd(width)}  ${e.transport.padEnd(5)}  ${summary(e)}`);
  }
  if (plan.skipped.length > 0) {
    lines.push('', `Skipped (${plan.skipped.length}):`);
    for (const s of plan.skipped) lines.push(`  ${s.where}: ${s.reason}`);
  }
  if (plan.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of plan.notes) lines.push(`  ${note}`);
  }
  if (plan.variables.length > 0) {
    lines.push('', 'Set these variables where the pollers run (no value was copied):');
    const width = Math.min(40, Math.max(...plan.variables.map((v) => v.name.length)));
    for (const v of plan.variables) {
      const what = v.origin === 'literal' ? 'replaces a credential written in the file; move it here' : (v.description ?? 'referenced by the file');
      lines.push(`  ${v.name.padEnd(width)}  ${what} (${v.where.join(', ')})`);
    }
  }
  if (r.results) {
    const count = (o: PostResult['outcome']) => r.results!.filter((x) => x.outcome === o).length;
    lines.push('', `Added ${count('added')}, already there ${count('exists')}, failed ${count('failed')}:`);
    for (const x of r.results) lines.push(`  ${x.outcome.padEnd(7)} ${x.id}${x.message ? `: ${x.message}` : ''}`);
  }
  // Names and paths come from the file: no control character reaches the terminal.
  return `${lines.map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')).join('\n')}\n`;
}

/** `npx -y pkg …` or the URL, cut to one screen line. */
function summary(e: CatalogEntry): string {
  const text = e.transport === 'stdio' ? [e.command, ...(e.args ?? [])].map(quoteArg).join(' ') : e.url;
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

function quoteArg(arg: string): string {
  return arg === '' || /[\s"'\\]/.test(arg) ? JSON.stringify(arg) : arg;
}
