// Re-polls every server of the benign corpus through Driftwatch's probe and counts false drift.
// The servers come from `test/corpus/capture.ts` (installed outside the repo, by default in
// /tmp/corpus-servers); servers not installed there are listed as skipped.
//   node --import tsx test/bench/repoll-corpus.ts [--dir /tmp/corpus-servers] [--polls 50] [--parallel 2]
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ServerConfig } from '@driftwatch/core';
import { installDir, resolveBin, SANDBOX, SERVERS } from '../corpus/capture.js';
import { formatTable, repoll, type RealServer, type StabilityResult } from './repoll-stability.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, polls: { type: 'string' }, parallel: { type: 'string' } } });
const root = values.dir ?? '/tmp/corpus-servers';
const polls = Number(values.polls ?? 50);
const parallel = Number(values.parallel ?? 2);
mkdirSync(SANDBOX, { recursive: true });

const servers: RealServer[] = [];
const skipped: string[] = [];
for (const spec of SERVERS) {
  const dir = installDir(root, spec.package);
  if (!existsSync(join(dir, 'node_modules', spec.package, 'package.json'))) {
    skipped.push(spec.package);
    continue;
  }
  const { version, bin } = resolveBin(dir, spec);
  const id = spec.package.replace(/^@/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  servers.push({
    id,
    pkg: spec.package,
    pkgVersion: version,
    config: ServerConfig.parse({ id, transport: 'stdio', command: process.execPath, args: [bin, ...(spec.args ?? [])], env: { HOME: SANDBOX, NODE_ENV: 'production', ...spec.env }, cwd: SANDBOX, timeout: 30 }),
  });
}

const results: StabilityResult[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < servers.length) {
    const s = servers[next++]!;
    const r = await repoll(s, polls, 30_000);
    results.push(r);
    process.stderr.write(`done ${s.id}\n`);
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
results.sort((a, b) => a.id.localeCompare(b.id));
process.stdout.write(formatTable(results));
if (skipped.length) process.stdout.write(`skipped (not installed in ${root}): ${skipped.join(', ')}\n`);
