/**
 * The generalisation splits of the labelled corpus (issue 12):
 *
 * - training   — `poisoned/*.json`: written while the rules were written; rules may be tuned on it.
 * - validation — `validation/round-N.json`: written blind, after the rules were frozen for that
 *                round (see validation/README.md). Never tuned on; a new round gets a new file.
 * - paraphrase — `paraphrase/generate.ts`: attack families in many wordings spliced into real
 *                tools. Wordings of the `tune` split may be looked at; `holdout` ones are reported
 *                as recall on wordings the rules were not tuned on.
 *
 * Benign tools are split by cohort: servers the rules were tuned on, and servers captured for
 * issue 12 (`source.cohort`), whose false positives are reported apart.
 */
import { atLeast } from '../../packages/core/src/severity.js';
import { scanTools } from '../../packages/core/src/rules/index.js';
import { THRESHOLD, loadPoisoned, type BenignFile, type PoisonedCase, type ToolResult } from './load.js';
import { generateVariants, type ParaphraseVariant } from './paraphrase/generate.js';

export function loadValidation(): Array<PoisonedCase & { file: string }> {
  return loadPoisoned('validation');
}

export function loadParaphrases(benign: readonly BenignFile[]): ParaphraseVariant[] {
  return generateVariants(benign);
}

/**
 * A variant is scanned as the differ sees it: inside its real server, next to the server's other
 * (benign) tools, so that sibling names and the server's own workflow count as they would.
 */
export function scanVariant(v: ParaphraseVariant, benign: readonly BenignFile[]): ToolResult {
  const host = benign.find((b) => b.source.package === v.hostServer);
  if (!host) throw new Error(`paraphrase host server ${v.hostServer} is not in the benign corpus`);
  const tools = host.tools.map((t) => (t.name === v.hostTool ? v.tool : t));
  const findings = scanTools(tools, { serverId: v.hostServer }).filter((f) => f.tool === v.tool.name);
  return { tool: v.tool.name, findings, flagged: findings.some((f) => atLeast(f.severity, THRESHOLD)) };
}

/** Captured for issue 12 (measured blind once, then tuned on for precision). */
export const isNewCohort = (b: BenignFile): boolean => b.source.cohort === 'issue-12';
/** Captured after that tuning; nobody working on the rules looked at it before measuring. */
export const isHoldoutCohort = (b: BenignFile): boolean => b.source.cohort === 'issue-12-holdout';
