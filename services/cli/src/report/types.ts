import type { Severity } from '@driftwatch/core';

/**
 * One line of a lint or scan report: a content finding (ruleId = rule id) or a drift against a
 * baseline file (ruleId = change kind, e.g. `tool.description_changed`).
 */
export interface ReportFinding {
  server?: string;
  tool?: string;
  ruleId: string;
  severity: Severity;
  confidence: number;
  message: string;
  evidence: {
    field?: string;
    start?: number;
    end?: number;
    excerpt?: string;
    decoded?: string;
    before?: unknown;
    after?: unknown;
    /** For drift: short lines saying what changed, e.g. the inserted text. */
    details?: string[];
  };
}

export interface RuleDescriptor {
  id: string;
  title: string;
  explanation: string;
  remediation: string;
  severity: Severity;
}

export interface Report {
  /** What was read: a file path, or `config:<path>` for scans. */
  source: string;
  findings: ReportFinding[];
  rules: RuleDescriptor[];
  /** Problems that are not findings: unreachable servers, conformance problems. */
  notes: string[];
}

export type ReportFormat = 'text' | 'json' | 'sarif';
