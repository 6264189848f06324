import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { LIMITS, PromptInfo, scanObservation, Snapshot, ToolInfo, Text } from '@driftwatch/core';
import { formatPath } from '@driftwatch/runtime';
import { formatReport, type Report } from '../report/index.js';
import { CliError, failing, formatOf, fromFinding, parse, ruleDescriptors, severityOf } from './common.js';

const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A `tools/list` result, or the JSON-RPC response that carries one. */
const ToolsList = z.object({
  tools: z.array(ToolInfo).max(LIMITS.maxItemsPerList),
  prompts: z.array(PromptInfo).max(LIMITS.maxItemsPerList).optional(),
  instructions: Text.optional(),
});

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`)
    .join('\n  ');
}

export async function readSurface(file: string) {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new CliError(`cannot read ${file}: no such file`);
  }
  if (size > MAX_INPUT_BYTES) throw new CliError(`${file} is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (json && typeof json === 'object' && 'result' in json) json = (json as { result: unknown }).result;
  if (json && typeof json === 'object' && (json as { type?: unknown }).type === 'snapshot') {
    const r = Snapshot.safeParse(json);
    if (!r.success) throw new CliError(`${file} is not a valid snapshot:\n  ${describe(r.error)}`);
    return { serverId: r.data.serverId, tools: r.data.tools, prompts: r.data.prompts, instructions: r.data.instructions };
  }
  const r = ToolsList.safeParse(json);
  if (!r.success) throw new CliError(`${file} is not a tools/list result ({"tools":[...]}) or a snapshot:\n  ${describe(r.error)}`);
  return { serverId: undefined, tools: r.data.tools, prompts: r.data.prompts ?? [], instructions: r.data.instructions };
}

export const LINT_USAGE = `driftwatch lint FILE [--format text|json|sarif] [--fail-on SEVERITY]
  FILE is a tools/list result ({"tools":[...]}) or a snapshot. Exits 1 when a finding reaches
  --fail-on (default high), 2 on bad input.
`;

export async function lint(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string', short: 'f' },
    'fail-on': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(LINT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`lint takes one FILE\n\n${LINT_USAGE}`);
  const format = formatOf(values.format as string | undefined);
  const failOn = severityOf(values['fail-on'] as string | undefined, '--fail-on', 'high');
  const file = positionals[0]!;
  const surface = await readSurface(file);
  const findings = scanObservation(surface, surface.serverId ? { serverId: surface.serverId } : {}).map((f) => fromFinding(f, surface.serverId));
  const report: Report = { source: file, findings, rules: ruleDescriptors(), notes: [] };
  out(formatReport(report, format));
  return failing(findings, failOn) ? 1 : 0;
}
