import { severityRank } from '@driftwatch/core';
import type { Report } from './types.js';

const SHOW = 160;

function visible(s: string): string {
  return s.length > SHOW ? `${s.slice(0, SHOW - 1)}…` : s;
}

/** Human-readable: most severe first, one block per finding, evidence quoted. */
export function formatText(report: Report): string {
  const lines: string[] = [];
  const sorted = [...report.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  for (const f of sorted) {
    const where = [f.server, f.tool].filter(Boolean).join(' / ');
    lines.push(`${f.severity.toUpperCase().padEnd(8)} ${f.ruleId}${where ? `  (${where})` : ''}  confidence ${f.confidence.toFixed(2)}`);
    lines.push(`         ${f.message}`);
    if (f.evidence.field) lines.push(`         at ${f.evidence.field}${f.evidence.start !== undefined ? ` [${f.evidence.start}..${f.evidence.end}]` : ''}`);
    if (f.evidence.excerpt) lines.push(`         > ${visible(f.evidence.excerpt)}`);
    if (f.evidence.decoded) lines.push(`         decoded: ${visible(f.evidence.decoded)}`);
    if (f.evidence.before !== undefined || f.evidence.after !== undefined) {
      lines.push(`         before: ${visible(JSON.stringify(f.evidence.before ?? null))}`);
      lines.push(`         after:  ${visible(JSON.stringify(f.evidence.after ?? null))}`);
    }
    for (const d of f.evidence.details ?? []) lines.push(`         | ${visible(d)}`);
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const summary = [...counts.entries()].sort((a, b) => severityRank(b[0] as never) - severityRank(a[0] as never)).map(([s, n]) => `${n} ${s}`);
  lines.push(`${report.source}: ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}${summary.length ? ` (${summary.join(', ')})` : ''}`);
  return `${lines.join('\n')}\n`;
}
