import { SEVERITIES, severityRank, type Severity } from '../severity.js';
import { DIRECTIVE_RULES } from './directive-unit.js';
import type { Finding } from './types.js';

/** Rules that speak to intent; a leaked secret is bad on its own and does not corroborate poisoning. */
const INTENT = new Set([
  'hidden-unicode', 'bidi-override', 'confusable-name', 'instruction-override', 'concealment', 'coercion',
  'hidden-markers', 'sensitive-file', 'exfil-channel', 'exfil-parameter', 'cross-server-reference',
  'tool-shadowing', 'encoded-blob', 'command-injection',
  ...DIRECTIVE_RULES,
]);

const bump = (s: Severity, by: number, cap: Severity): Severity => {
  if (severityRank(s) >= severityRank(cap)) return s;
  return SEVERITIES[Math.min(severityRank(cap), severityRank(s) + by)] ?? s;
};

/** Keeps the strongest finding per rule and field: one alert per place, not one per match. */
export function strongestPerField(findings: readonly Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.ruleId}\u0000${f.field}`;
    const cur = best.get(key);
    if (!cur || severityRank(f.severity) > severityRank(cur.severity) || (f.severity === cur.severity && f.confidence > cur.confidence)) {
      best.set(key, f);
    }
  }
  return [...best.values()];
}

/** Two findings are independent evidence only when they do not point at the same words. */
function independent(a: Finding, b: Finding): boolean {
  return a.field !== b.field || a.evidence.end <= b.evidence.start || b.evidence.end <= a.evidence.start;
}

/**
 * The scoring step: weak cues stay low alone and escalate together. One unit is a tool, a prompt,
 * or the server instructions. For each finding we count the other kinds of signal that back it up
 * from different words (one phrase matched by two rules is one cue, not two). One other kind raises
 * a finding one level when either side is already a real signal (≥ medium); two other kinds raise
 * all to at least medium, and real signals to high. Two weak cues escalate only when both are
 * fairly confident (summed confidence ≥ 0.9).
 */
export function corroborate(findings: Finding[]): Finding[] {
  // A weak structural hint (a sibling named in a sequence) backs nothing: only real cues count.
  const intent = findings.filter((f) => INTENT.has(f.ruleId) && f.severity !== 'info' && !(DIRECTIVE_RULES.has(f.ruleId) && f.severity === 'low'));
  // Two different sensitive places (SSH keys and an MCP config) are a pattern, not a mention.
  const sensitiveFields = findings.filter((f) => f.ruleId === 'sensitive-file');
  const sensitiveKinds = new Set(sensitiveFields.map((f) => f.message.replace(/\s*\(.*$/, '')));
  if (sensitiveKinds.size >= 2) {
    for (const f of sensitiveFields) if (f.severity === 'low') f.severity = 'medium';
  }
  if (new Set(intent.map((f) => f.ruleId)).size < 2) return findings;
  // Decide on the severities as found, then apply, so that the order of findings does not matter.
  const plan = intent.map((f) => {
    const backers = intent.filter((o) => o.ruleId !== f.ruleId && independent(f, o));
    const kinds = [...new Set(backers.map((o) => o.ruleId))].sort();
    const strong = [f, ...backers].some((o) => severityRank(o.severity) >= severityRank('medium'));
    const weakSum = [f, ...backers].reduce((s, o) => s + o.confidence, 0);
    let severity = f.severity;
    if (kinds.length >= 2) {
      severity = severityRank(f.severity) >= severityRank('medium') && strong ? bump(f.severity, 2, 'high') : bump(f.severity, 1, 'high');
    } else if (kinds.length === 1 && (strong || weakSum >= 0.9)) {
      severity = bump(f.severity, 1, 'high');
    }
    return { f, severity, kinds };
  });
  for (const { f, severity, kinds } of plan) {
    if (severity === f.severity) continue;
    f.severity = severity;
    f.confidence = Math.min(0.99, Math.round((f.confidence + 0.1 * kinds.length) * 100) / 100);
    f.message = `${f.message} (corroborated by ${kinds.join(', ')})`;
  }
  return findings;
}
