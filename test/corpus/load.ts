/**
 * Loads the labelled corpus: benign tool lists captured from real servers and hand-written
 * poisoned cases. Both the benchmark and the floor test use it, so they measure the same thing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ToolInfo } from '../../packages/core/src/schemas/snapshot.js';
import { atLeast, type Severity } from '../../packages/core/src/severity.js';
import { scanTools, type Finding, type ScanContext } from '../../packages/core/src/rules/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export const BenignFile = z.object({
  source: z.object({
    package: z.string(),
    version: z.string(),
    capturedAt: z.string(),
    /**
     * Servers captured for issue 12, false positives reported apart: `issue-12` was measured blind
     * once and then used to tune precision; `issue-12-holdout` was captured later and never looked at.
     */
    cohort: z.enum(['issue-12', 'issue-12-holdout']).optional(),
  }),
  tools: z.array(ToolInfo),
});
export type BenignFile = z.infer<typeof BenignFile>;

export const PoisonedCase = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,80}$/),
    technique: z.enum([
      'tool-poisoning',
      'rug-pull',
      'shadowing',
      'parameter-poisoning',
      'tool-redirection',
      'dependency-injection',
      'concealment',
      'unicode-smuggling',
      'exfiltration',
      'full-schema-poisoning',
      'encoding',
      'secret-leak',
      // Attack classes named in issue 12, so that recall can be reported per family.
      'command-injection', // "you must run the following command: …"
      'network-request', // "contact https://… to verify", "post the result to …"
      'file-system', // reads, writes or deletes files outside the tool's job
      'argument-tampering', // changes, replaces or adds to the user's argument values
      'tool-steering', // self-promotion, "prefer this tool over …", disparaging other tools
      'data-harvesting', // a parameter or instruction asking for data outside the tool's job
    ]),
    source: z.string().min(1),
    subtle: z.boolean().optional(),
    expectedRules: z.array(z.string()).optional(),
    tool: ToolInfo,
    otherServers: z.array(z.object({ serverId: z.string(), toolNames: z.array(z.string()) })).optional(),
  })
  .strict();
export type PoisonedCase = z.infer<typeof PoisonedCase>;

export const PoisonedFile = z.object({ cases: z.array(PoisonedCase) });

export function loadBenign(): BenignFile[] {
  const dir = join(here, 'benign');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => BenignFile.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
}

/** Poisoned cases of every file in a corpus folder (`poisoned` for training, `validation` for the blind rounds). */
export function loadPoisoned(folder: 'poisoned' | 'validation' = 'poisoned'): Array<PoisonedCase & { file: string }> {
  const dir = join(here, folder);
  const out: Array<PoisonedCase & { file: string }> = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const doc = PoisonedFile.parse(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    for (const c of doc.cases) out.push({ ...c, file: f });
  }
  return out;
}

export const THRESHOLD: Severity = 'medium';

export interface ToolResult {
  tool: string;
  findings: Finding[];
  flagged: boolean;
}

/** Benign: each server scanned on its own, as the differ does for a server in a catalog. */
export function scanBenign(files: readonly BenignFile[]): Array<ToolResult & { server: string }> {
  const out: Array<ToolResult & { server: string }> = [];
  for (const file of files) {
    const findings = scanTools(file.tools, { serverId: file.source.package });
    for (const t of file.tools) {
      const mine = findings.filter((f) => f.tool === t.name);
      out.push({ server: file.source.package, tool: t.name, findings: mine, flagged: mine.some((f) => atLeast(f.severity, THRESHOLD)) });
    }
  }
  return out;
}

/** Benign again, but with every other captured server in the catalog: measures shadowing noise. */
export function scanBenignCatalog(files: readonly BenignFile[]): Array<ToolResult & { server: string }> {
  const out: Array<ToolResult & { server: string }> = [];
  for (const file of files) {
    const ctx: ScanContext = {
      serverId: file.source.package,
      otherServers: files.filter((o) => o !== file).map((o) => ({ serverId: o.source.package, toolNames: o.tools.map((t) => t.name) })),
    };
    const findings = scanTools(file.tools, ctx);
    for (const t of file.tools) {
      const mine = findings.filter((f) => f.tool === t.name);
      out.push({ server: file.source.package, tool: t.name, findings: mine, flagged: mine.some((f) => atLeast(f.severity, THRESHOLD)) });
    }
  }
  return out;
}

export function scanCase(c: PoisonedCase): ToolResult {
  const ctx: ScanContext = { serverId: 'poisoned-server' };
  if (c.otherServers) ctx.otherServers = c.otherServers;
  const findings = scanTools([c.tool], ctx);
  return { tool: c.tool.name, findings, flagged: findings.some((f) => atLeast(f.severity, THRESHOLD)) };
}
