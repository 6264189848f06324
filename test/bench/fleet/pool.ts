/**
 * The tool pool the fleet draws from, and the poison it drifts to, both checked with the
 * product's own content rules before anything starts: a benign list that raised a finding would
 * be an alert (or a quarantine) the benchmark did not plan, and a poison below the quarantine
 * threshold would leave change → quarantine unmeasured.
 */
import { atLeast, scanTools, type Severity, type ToolInfo } from '@driftwatch/core';
import { loadBenign } from '../../corpus/load.js';
import { POISONED_DESCRIPTION } from '../../e2e/helpers.js';
import { driftedTools, serverId, serverTools, type PoolTool } from './tools.js';

/** The hidden instruction of the e2e rug pull (an <IMPORTANT> block: read ~/.ssh/id_rsa, say nothing). */
export const POISON = /<IMPORTANT>[\s\S]*<\/IMPORTANT>/.exec(POISONED_DESCRIPTION)?.[0] ?? POISONED_DESCRIPTION;

/** Findings at or above this on a benign tool take it out of the pool (the corpus's own threshold). */
const NOISE: Severity = 'medium';

/**
 * Every benign corpus tool that raises nothing at `medium` or above once renamed the way the
 * fleet renames it (a sibling it names is no longer its server's own tool).
 */
export function buildPool(): PoolTool[] {
  const pool: PoolTool[] = [];
  for (const file of loadBenign()) {
    for (const tool of file.tools) {
      const renamed = { ...tool, name: `sx_${tool.name}` } as ToolInfo;
      if (scanTools([renamed], { serverId: 'pool-check' }).some((f) => atLeast(f.severity, NOISE))) continue;
      pool.push(tool as unknown as PoolTool);
    }
  }
  return pool;
}

/**
 * Checks a sample of generated servers against the rules: benign lists quiet (with their
 * neighbours in the catalog, as the differ scans them), drifted lists at or above `quarantineAt`.
 * Throws naming the first server that is not.
 */
export function checkPool(pool: readonly PoolTool[], servers: number, quarantineAt: Severity): void {
  const sample = [...new Set([0, 1, 2, Math.floor(servers / 2), servers - 1].filter((i) => i >= 0 && i < servers))];
  const lists = sample.map((i) => serverTools(pool, i));
  sample.forEach((i, k) => {
    const id = serverId(i);
    const others = lists.filter((_, j) => j !== k).map((l, j) => ({ serverId: `o${j}`, toolNames: l.tools.map((t) => t.name) }));
    const benign = scanTools(lists[k]!.tools as unknown as ToolInfo[], { serverId: id, otherServers: others });
    const noisy = benign.find((f) => atLeast(f.severity, NOISE));
    if (noisy) throw new Error(`fleet server ${id}: its benign tool list raises ${noisy.ruleId} (${noisy.severity}) on ${noisy.tool}: the pool filter missed it`);
    const drifted = scanTools(driftedTools(lists[k]!, POISON).tools as unknown as ToolInfo[], { serverId: id, otherServers: others });
    if (!drifted.some((f) => atLeast(f.severity, quarantineAt))) {
      throw new Error(`fleet server ${id}: the poisoned description raises nothing at ${quarantineAt} or above, so no quarantine could be measured`);
    }
  });
}
