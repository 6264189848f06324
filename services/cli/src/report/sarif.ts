import type { Severity } from '@driftwatch/core';
import type { Report } from './types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning orders by this 0–10 score. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

/** SARIF wants a URI reference: forward slashes, spaces and the like percent-encoded. */
function artifactUri(source: string): string {
  return encodeURI(source.replace(/^config:/, '').replace(/\\/g, '/'));
}

/** SARIF 2.1.0, one run, rules described from the reviewed rule data. */
export function formatSarif(report: Report, version: string): string {
  const ruleIds = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  const byId = new Map(report.rules.map((r) => [r.id, r]));
  const rules = ruleIds.map((id) => {
    const r = byId.get(id);
    return {
      id,
      name: r?.title ?? id,
      shortDescription: { text: r?.title ?? id },
      fullDescription: { text: r?.explanation ?? id },
      help: { text: r?.remediation ?? 'Review the server before agents use it.' },
      defaultConfiguration: { level: LEVEL[r?.severity ?? 'medium'] },
      properties: { 'security-severity': SECURITY_SEVERITY[r?.severity ?? 'medium'], tags: ['security', 'mcp'] },
    };
  });
  const results = report.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: ruleIds.indexOf(f.ruleId),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: artifactUri(report.source) } },
        logicalLocations: [
          {
            fullyQualifiedName: [f.server, f.evidence.field ?? f.tool].filter(Boolean).join(':'),
            kind: 'member',
          },
        ],
      },
    ],
    partialFingerprints: { 'driftwatch/v1': [f.server ?? '', f.ruleId, f.evidence.field ?? f.tool ?? '', f.evidence.excerpt ?? ''].join('|') },
    properties: {
      severity: f.severity,
      confidence: f.confidence,
      ...(f.tool ? { tool: f.tool } : {}),
      ...(f.evidence.excerpt ? { excerpt: f.evidence.excerpt } : {}),
      ...(f.evidence.decoded ? { decoded: f.evidence.decoded } : {}),
      ...(f.evidence.start !== undefined ? { start: f.evidence.start, end: f.evidence.end } : {}),
      ...(f.evidence.before !== undefined ? { before: f.evidence.before } : {}),
      ...(f.evidence.after !== undefined ? { after: f.evidence.after } : {}),
      ...(f.evidence.details ? { details: f.evidence.details } : {}),
    },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'driftwatch', version, semanticVersion: version, informationUri: 'https://github.com/driftwatch/driftwatch', rules } },
        results,
        ...(report.notes.length ? { invocations: [{ executionSuccessful: true, toolExecutionNotifications: report.notes.map((n) => ({ message: { text: n }, level: 'warning' })) }] } : {}),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
