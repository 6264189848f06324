import type { Severity } from '../severity.js';
import type { RuleId } from './catalog.js';
import type { Finding, TextField } from './types.js';
import { excerpt } from './unicode.js';

const MAX_DECODED = 1_000;

export function finding(
  ruleId: RuleId,
  severity: Severity,
  confidence: number,
  message: string,
  f: TextField,
  start: number,
  end: number,
  decoded?: string,
): Finding {
  const out: Finding = {
    ruleId,
    severity,
    confidence: Math.round(Math.min(0.99, Math.max(0.01, confidence)) * 100) / 100,
    message,
    field: f.field,
    evidence: { start, end, excerpt: excerpt(f.text, start, end) },
  };
  if (f.tool !== undefined) out.tool = f.tool;
  if (decoded !== undefined) out.evidence.decoded = decoded.length > MAX_DECODED ? `${decoded.slice(0, MAX_DECODED)}…` : decoded;
  return out;
}
