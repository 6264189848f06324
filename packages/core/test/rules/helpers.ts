import type { ToolInfo } from '../../src/schemas/snapshot.js';
import { atLeast, type Severity } from '../../src/severity.js';
import { scanTools, type Finding, type ScanContext } from '../../src/rules/index.js';

export function tool(description: string, properties: Record<string, unknown> = {}, name = 'sample_tool', extra: Partial<ToolInfo> = {}): ToolInfo {
  return { name, description, inputSchema: { type: 'object', properties }, ...extra };
}

/** Rule ids found at or above a severity, for terse assertions. */
export function rulesAt(findings: readonly Finding[], min: Severity = 'medium'): string[] {
  return [...new Set(findings.filter((f) => atLeast(f.severity, min)).map((f) => f.ruleId))].sort();
}

export function scanOne(t: ToolInfo, ctx?: ScanContext): Finding[] {
  return scanTools([t], ctx);
}

export function scanDesc(description: string, properties: Record<string, unknown> = {}, ctx?: ScanContext): Finding[] {
  return scanOne(tool(description, properties), ctx);
}
