import { parseArgs, type ParseArgsConfig } from 'node:util';
import { atLeast, RULES, KIND_INFO, Severity, type ContentFinding, type ChangeKindName } from '@driftwatch/core';
import type { ReportFinding, ReportFormat, RuleDescriptor } from '../report/index.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parse<T extends ParseArgsConfig['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: options!, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function formatOf(value: string | undefined): ReportFormat {
  const f = value ?? 'text';
  if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new CliError(`--format must be text, json or sarif (got "${f}")`);
  return f;
}

export function severityOf(value: string | undefined, flag: string, fallback: Severity): Severity {
  if (value === undefined) return fallback;
  const r = Severity.safeParse(value);
  if (!r.success) throw new CliError(`${flag} must be one of info, low, medium, high, critical (got "${value}")`);
  return r.data;
}

export function fromFinding(f: ContentFinding, server?: string): ReportFinding {
  return {
    ...(server ? { server } : {}),
    ...(f.tool ? { tool: f.tool } : {}),
    ruleId: f.ruleId,
    severity: f.severity,
    // The rules always grade their confidence; a finding without one is taken as certain.
    confidence: f.confidence ?? 1,
    message: f.message,
    evidence: { field: f.field, start: f.evidence.start, end: f.evidence.end, excerpt: f.evidence.excerpt, ...(f.evidence.decoded ? { decoded: f.evidence.decoded } : {}) },
  };
}

/** Every rule and change kind, described for SARIF and text reports. */
export function ruleDescriptors(): RuleDescriptor[] {
  const kinds = Object.entries(KIND_INFO).map(([id, k]) => ({ id, title: id, explanation: k.explanation, remediation: k.remediation, severity: k.severity }));
  return [...RULES.map((r) => ({ id: r.id, title: r.title, explanation: r.explanation, remediation: r.remediation, severity: r.severity })), ...kinds];
}

export function failing(findings: readonly ReportFinding[], failOn: Severity): boolean {
  return findings.some((f) => atLeast(f.severity, failOn));
}

export type { ChangeKindName };
