import { SEVERITIES, severityRank, type Severity } from '../severity.js';
import type { Finding } from './types.js';

/** Rules that speak to intent; a leaked secret is bad on its own and does not corroborate poisoning. */
const INTENT = new Set([
  'hidden-unicode', 'bidi-override', 'confusable-name', 'instruction-override', 'concealment', 'coercion',
  'hidden-markers', 'sensitive-file', 'exfil-channel', 'exfil-parameter', 'cross-server-reference',
  'tool-shadowing', 'encoded-blob', 'command-injection',
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

/**
 * The scoring step: weak cues stay low alone and escalate together. One unit is a tool, a prompt,
 * or the server instructions. Two independent kinds of signal where at least one is already a real
 * signal (≥ medium) raise each other one level; three kinds raise all to at least medium, and
 * real signals to high. Two weak cues escalate only when both are fairly confident (summed confidence ≥ 0.9).
 */
export function corroborate(findings: Finding[]): Finding[] {
  const intent = findings.filter((f) => INTENT.has(f.ruleId) && f.severity !== 'info');
  const kinds = new Set(intent.map((f) => f.ruleId));
  // Two different sensitive places (SSH keys and an MCP config) are a pattern, not a mention.
  const sensitiveFields = findings.filter((f) => f.ruleId === 'sensitive-file');
  const sensitiveKinds = new Set(sensitiveFields.map((f) => f.message.replace(/\s*\(.*$/, '')));
  if (sensitiveKinds.size >= 2) {
    for (const f of sensitiveFields) if (f.severity === 'low') f.severity = 'medium';
  }
  if (kinds.size < 2) return findings;
  const strong = intent.some((f) => severityRank(f.severity) >= severityRank('medium'));
  const weakSum = intent.reduce((s, f) => s + f.confidence, 0);
  const names = [...kinds].sort();
  for (const f of intent) {
    const before = f.severity;
    if (kinds.size >= 3) {
      f.severity = severityRank(f.severity) >= severityRank('medium') && strong ? bump(f.severity, 2, 'high') : bump(f.severity, 1, 'high');
    } else if (strong || weakSum >= 0.9) {
      f.severity = bump(f.severity, 1, 'high');
    }
    if (f.severity !== before) {
      f.confidence = Math.min(0.99, Math.round((f.confidence + 0.1 * (kinds.size - 1)) * 100) / 100);
      const others = names.filter((n) => n !== f.ruleId);
      f.message = `${f.message} (corroborated by ${others.join(', ')})`;
    }
  }
  return findings;
}
