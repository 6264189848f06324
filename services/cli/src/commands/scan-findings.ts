import { decideSnapshot, decisionPolicyOf, fingerprintObservation, type Change, type DecidedFinding, type Observation, type RuleTuning, type ScanContext, type ServerConfig, type SuppressedFinding } from '@driftwatch/core';
import { toSnapshotMessage, type ProbeResult } from '@driftwatch/probe';
import type { ReportFinding } from '../report/index.js';
import { fromFinding } from './common.js';

export interface ScanInput {
  /** The catalog entry: its pinned models and approval policy are read as the differ reads them. */
  server: ServerConfig;
  result: ProbeResult;
  /** The server's observation in the `--baseline` file, if any. */
  baseline?: Observation | undefined;
  /** The other scanned servers' tool names, for the cross-server rules. */
  otherServers: NonNullable<ScanContext['otherServers']>;
  tuning: RuleTuning;
  now: Date;
}

/**
 * One server's scan findings: core's decideSnapshot on the probe result — the decision the differ
 * makes on a snapshot (content rules, tuning, drift against the baseline, pinned models, what the
 * probe could not read, exposed secrets) — with nothing open and no rejections, as report lines.
 */
export function scanFindings(input: ScanInput): { findings: ReportFinding[]; suppressed: SuppressedFinding[] } {
  const { server } = input;
  const message = toSnapshotMessage(server, `scan-${input.now.getTime()}`, input.result, input.now);
  // The file's fingerprint is not trusted: an edited observation must still be compared.
  const baseline = input.baseline ? { ...input.baseline, fingerprints: { snapshot: fingerprintObservation(input.baseline).snapshot } } : null;
  const decision = decideSnapshot({
    message,
    baseline,
    policy: decisionPolicyOf(server),
    content: { scan: { serverId: server.id, otherServers: input.otherServers } },
    tuning: input.tuning,
    rejectedTools: [],
    open: {},
    now: input.now.toISOString(),
  });
  return { findings: decision.findings.map((f) => reportLine(server.id, f)), suppressed: decision.suppressed };
}

function reportLine(server: string, f: DecidedFinding): ReportFinding {
  const o = f.origin;
  if ('change' in o) return changeLine(server, o.change);
  if ('content' in o) return fromFinding(o.content, server);
  return { server, ruleId: f.kind, severity: f.severity, confidence: 1, message: o.condition, evidence: f.evidence.after !== undefined ? { after: f.evidence.after } : {} };
}

function changeLine(server: string, c: Change): ReportFinding {
  return {
    server,
    ...(c.kind.startsWith('tool.') ? { tool: c.subject } : {}),
    ruleId: c.kind,
    severity: c.severity,
    confidence: 1,
    message: c.summary,
    evidence: { before: c.evidence.before, after: c.evidence.after, ...(c.details?.length ? { details: c.details } : {}) },
  };
}
