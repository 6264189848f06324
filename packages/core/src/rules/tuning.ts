import { z } from 'zod';
import { Severity } from '../severity.js';
import { RULE_IDS } from './catalog.js';
import type { Finding } from './types.js';

const RuleIdRef = z
  .string()
  .max(64)
  .refine((id) => RULE_IDS.has(id), { message: 'unknown content rule id' });
const Reason = z.string().trim().min(1, 'a reason is required').max(1_000);
const ServerId = z.string().min(1).max(200);
const ToolName = z.string().min(1).max(512);

export const SuppressionRule = z
  .object({ ruleId: RuleIdRef, serverId: ServerId.optional(), tool: ToolName.optional(), reason: Reason })
  .strict();
export type SuppressionRule = z.infer<typeof SuppressionRule>;

export const RegradeRule = z
  .object({ ruleId: RuleIdRef, serverId: ServerId.optional(), tool: ToolName.optional(), severity: Severity, reason: Reason })
  .strict();
export type RegradeRule = z.infer<typeof RegradeRule>;

/**
 * Operator tuning of content rules: suppress or re-grade findings by rule id, optionally scoped to
 * a server and a tool. Every entry needs a reason, and every suppressed finding is returned with
 * the entry that suppressed it so that the caller can record it (audit, metrics).
 */
export const RuleTuning = z
  .object({
    suppress: z.array(SuppressionRule).max(1_000).optional(),
    regrade: z.array(RegradeRule).max(1_000).optional(),
  })
  .strict();
export type RuleTuning = z.infer<typeof RuleTuning>;

export interface SuppressedFinding {
  finding: Finding;
  rule: { ruleId: string; serverId?: string; tool?: string; reason: string };
}

function applies(r: { ruleId: string; serverId?: string | undefined; tool?: string | undefined }, f: Finding, serverId: string | undefined): boolean {
  if (r.ruleId !== f.ruleId) return false;
  if (r.serverId !== undefined && r.serverId !== serverId) return false;
  if (r.tool !== undefined && r.tool !== f.tool) return false;
  return true;
}

/** The more an entry names, the more it wins: tool and server > server > tool > rule only. */
function specificity(r: { serverId?: string | undefined; tool?: string | undefined }): number {
  return (r.serverId !== undefined ? 2 : 0) + (r.tool !== undefined ? 1 : 0);
}

export function applyTuning(
  findings: Finding[],
  tuning: RuleTuning,
  serverId?: string,
): { kept: Finding[]; suppressed: SuppressedFinding[] } {
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const suppress = [...(tuning.suppress ?? [])].sort((a, b) => specificity(b) - specificity(a));
  const regrade = [...(tuning.regrade ?? [])].sort((a, b) => specificity(b) - specificity(a));
  for (const f of findings) {
    const s = suppress.find((r) => applies(r, f, serverId));
    if (s) {
      const rule: SuppressedFinding['rule'] = { ruleId: s.ruleId, reason: s.reason };
      if (s.serverId !== undefined) rule.serverId = s.serverId;
      if (s.tool !== undefined) rule.tool = s.tool;
      suppressed.push({ finding: f, rule });
      continue;
    }
    const g = regrade.find((r) => applies(r, f, serverId));
    if (g && g.severity !== f.severity) {
      kept.push({ ...f, severity: g.severity, regraded: { from: f.severity, reason: g.reason } });
    } else kept.push(f);
  }
  return { kept, suppressed };
}
