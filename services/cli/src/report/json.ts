import type { Report } from './types.js';

/** `{"findings":[{tool, ruleId, severity, confidence, message, evidence}]}` plus notes. */
export function formatJson(report: Report): string {
  return `${JSON.stringify({ source: report.source, findings: report.findings, notes: report.notes }, null, 2)}\n`;
}
