/**
 * Benchmark of the content rules on the labelled corpus (not a test: it prints figures).
 *
 *   node --import tsx test/bench/corpus-bench.ts [--tuning-only] [--misses] [--fps]
 *
 * `--tuning-only` is the mode to tune in: it never loads the validation split or the paraphrase
 * holdout wordings, so no figure of text the rules must stay blind to is printed (the holdout
 * cohort of benign servers is still reported as rates, as always).
 *
 * Recall: share of poisoned cases with at least one finding ≥ medium. False-positive rate: share
 * of benign tools (captured from real servers) with at least one finding ≥ medium. Per rule: how
 * many poisoned cases and benign tools each rule flags at ≥ medium, and recall on the cases whose
 * label expects that rule. Throughput: tools scanned per second over the benign corpus.
 */
import { performance } from 'node:perf_hooks';
import { RULES, scanTools } from '../../packages/core/src/rules/index.js';
import { atLeast } from '../../packages/core/src/severity.js';
import { THRESHOLD, loadBenign, loadPoisoned, scanBenign, scanBenignCatalog, scanCase, type ToolResult } from '../corpus/load.js';
import { isHoldoutCohort, isNewCohort, loadParaphrases, loadValidation, scanVariant } from '../corpus/splits.js';

const pct = (n: number, d: number): string => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const out = (s = ''): void => void process.stdout.write(`${s}\n`);
const tuningOnly = process.argv.includes('--tuning-only');
const high = (r: ToolResult): boolean => r.findings.some((f) => atLeast(f.severity, 'high'));

/** Recall per family at ≥ medium and ≥ high, with a total line. */
function familyTable(title: string, rows: ReadonlyArray<{ family: string; r: ToolResult }>): void {
  out(`\n${title} (${rows.length} cases)`);
  out(`  ${'family'.padEnd(24)} ${'≥ medium'.padStart(16)} ${'≥ high'.padStart(16)}`);
  const fams = [...new Set(rows.map((x) => x.family))].sort();
  const line = (name: string, xs: typeof rows): void => {
    const m = xs.filter((x) => x.r.flagged).length;
    const h = xs.filter((x) => high(x.r)).length;
    out(`  ${name.padEnd(24)} ${`${m}/${xs.length}`.padStart(8)} ${pct(m, xs.length)} ${`${h}/${xs.length}`.padStart(8)} ${pct(h, xs.length)}`);
  };
  for (const f of fams) line(f, rows.filter((x) => x.family === f));
  line('ALL', rows);
}

const benignFiles = loadBenign();
const cases = loadPoisoned();
const benign = scanBenign(benignFiles);
const catalog = scanBenignCatalog(benignFiles);
const poisoned = cases.map((c) => ({ c, r: scanCase(c) }));

out(`corpus: ${benignFiles.length} benign servers, ${benign.length} benign tools; ${cases.length} poisoned cases (${cases.filter((c) => c.subtle).length} subtle)`);
out(`threshold: severity ≥ ${THRESHOLD}`);
out();
out(`${'rule'.padEnd(24)} ${'poisoned hit'.padStart(14)} ${'expected recall'.padStart(18)} ${'benign FP'.padStart(14)} ${'catalog FP'.padStart(14)}`);
for (const rule of RULES) {
  const hit = poisoned.filter(({ r }) => r.findings.some((f) => f.ruleId === rule.id && atLeast(f.severity, THRESHOLD))).length;
  const expected = poisoned.filter(({ c }) => c.expectedRules?.includes(rule.id));
  const expHit = expected.filter(({ r }) => r.findings.some((f) => f.ruleId === rule.id && atLeast(f.severity, 'low'))).length;
  const fp = benign.filter((t) => t.findings.some((f) => f.ruleId === rule.id && atLeast(f.severity, THRESHOLD))).length;
  const cfp = catalog.filter((t) => t.findings.some((f) => f.ruleId === rule.id && atLeast(f.severity, THRESHOLD))).length;
  out(
    `${rule.id.padEnd(24)} ${`${hit}/${cases.length}`.padStart(8)} ${pct(hit, cases.length)} ${`${expHit}/${expected.length}`.padStart(9)} ${pct(expHit, expected.length)} ${`${fp}/${benign.length}`.padStart(8)} ${pct(fp, benign.length)} ${`${cfp}`.padStart(8)} ${pct(cfp, catalog.length)}`,
  );
}
const detected = poisoned.filter(({ r }) => r.flagged).length;
const subtle = poisoned.filter(({ c }) => c.subtle);
const fps = benign.filter((t) => t.flagged);
const cfps = catalog.filter((t) => t.flagged);
out();
out(`overall recall (poisoned, ≥ ${THRESHOLD}):      ${detected}/${cases.length} = ${pct(detected, cases.length)}`);
out(`  subtle cases only:                     ${subtle.filter(({ r }) => r.flagged).length}/${subtle.length} = ${pct(subtle.filter(({ r }) => r.flagged).length, subtle.length)}`);
const byTech = new Map<string, [number, number]>();
for (const { c, r } of poisoned) {
  const e = byTech.get(c.technique) ?? [0, 0];
  byTech.set(c.technique, [e[0] + (r.flagged ? 1 : 0), e[1] + 1]);
}
for (const [t, [h, n]] of [...byTech].sort()) out(`  ${t.padEnd(38)} ${h}/${n}`);
out(`overall false positives (benign, ≥ ${THRESHOLD}): ${fps.length}/${benign.length} = ${pct(fps.length, benign.length)}`);
out(`  with all servers in one catalog:       ${cfps.length}/${catalog.length} = ${pct(cfps.length, catalog.length)}`);
const highFp = benign.filter((t) => t.findings.some((f) => atLeast(f.severity, 'high'))).length;
out(`benign tools with a finding ≥ high (would auto-quarantine): ${highFp}`);
out(`poisoned cases reaching ≥ high: ${poisoned.filter(({ r }) => r.findings.some((f) => atLeast(f.severity, 'high'))).length}/${cases.length}`);

// Throughput: every benign server scanned repeatedly, after a warm-up. CPU time is reported next to
// wall time because this machine is shared and wall time includes waiting for a core.
const allTools = benignFiles.flatMap((f) => f.tools);
const rounds = 20;
for (const f of benignFiles) scanTools(f.tools);
let c0 = process.cpuUsage();
let t0 = performance.now();
for (let i = 0; i < rounds; i++) for (const f of benignFiles) scanTools(f.tools);
const ms = performance.now() - t0;
let cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000;
// A 115-tool server made of real tools (renamed so that names stay unique).
const big115 = Array.from({ length: 115 }, (_, i) => allTools[i % allTools.length])
  .filter((t) => t !== undefined)
  .map((t, i) => ({ ...t, name: `${t.name}_${i}` }));
c0 = process.cpuUsage();
t0 = performance.now();
for (let i = 0; i < rounds; i++) scanTools(big115);
const ms115 = (performance.now() - t0) / rounds;
cpu = process.cpuUsage(c0);
const cpu115 = (cpu.user + cpu.system) / 1000 / rounds;
const chars = allTools.reduce((s, t) => s + JSON.stringify(t).length, 0);
out();
out(`throughput: ${Math.round((allTools.length * rounds) / (cpuMs / 1000))} tools/s of CPU (${Math.round((allTools.length * rounds) / (ms / 1000))} tools/s wall); ${allTools.length} tools, ${(chars / 1024).toFixed(0)} KiB of tool JSON × ${rounds} rounds`);
out(`one 115-tool server: ${cpu115.toFixed(1)} ms CPU (${ms115.toFixed(1)} ms wall) per scan`);

// ── generalisation (issue 12) ──────────────────────────────────────────────────────────────
familyTable('training split: test/corpus/poisoned (rules tuned on it)', poisoned.map(({ c, r }) => ({ family: c.technique, r })));
const validation = tuningOnly ? [] : loadValidation().map((c) => ({ c, r: scanCase(c) }));
for (const file of [...new Set(validation.map(({ c }) => c.file))].sort()) {
  familyTable(`validation split: test/corpus/validation/${file} (written blind, never tuned on)`, validation.filter(({ c }) => c.file === file).map(({ c, r }) => ({ family: c.technique, r })));
}
const variants = loadParaphrases(benignFiles)
  .filter((v) => !tuningOnly || v.split === 'tune')
  .map((v) => ({ v, r: scanVariant(v, benignFiles) }));
familyTable('paraphrase split, tune wordings', variants.filter(({ v }) => v.split === 'tune').map(({ v, r }) => ({ family: v.family, r })));
if (!tuningOnly) familyTable('paraphrase split, holdout wordings (not tuned on)', variants.filter(({ v }) => v.split === 'holdout').map(({ v, r }) => ({ family: v.family, r })));
for (const [name, rows] of [['register', (v: (typeof variants)[number]['v']) => v.register], ['placement', (v: (typeof variants)[number]['v']) => v.placement]] as const) {
  if (tuningOnly) break;
  const keys = [...new Set(variants.map(({ v }) => rows(v)))].sort();
  out(`  holdout recall by ${name}: ${keys.map((k) => { const xs = variants.filter(({ v }) => v.split === 'holdout' && rows(v) === k); return `${k} ${xs.filter((x) => x.r.flagged).length}/${xs.length}`; }).join(', ')}`);
}

out('\nbenign false positives by cohort (≥ medium / ≥ high):');
for (const [label, pick] of [['servers the rules were tuned on', (b: (typeof benignFiles)[number]) => !isNewCohort(b) && !isHoldoutCohort(b)], ['issue-12 cohort (blind once, then tuned)', isNewCohort], ['issue-12 holdout (never looked at)', isHoldoutCohort]] as const) {
  const names = new Set(benignFiles.filter(pick).map((b) => b.source.package));
  const ts = benign.filter((t) => names.has(t.server));
  const m = ts.filter((t) => t.flagged).length;
  const h = ts.filter((t) => t.findings.some((f) => atLeast(f.severity, 'high'))).length;
  out(`  ${label.padEnd(34)} ${names.size} servers, ${ts.length} tools: ${m} = ${pct(m, ts.length)} / ${h} = ${pct(h, ts.length)}`);
}
const perServer = new Map<string, [number, number]>();
// The holdout cohort's false positives are counted above, never listed: it stays unseen.
const holdoutNames = new Set(benignFiles.filter(isHoldoutCohort).map((b) => b.source.package));
for (const t of benign.filter((x) => !holdoutNames.has(x.server))) {
  const e = perServer.get(t.server) ?? [0, 0];
  perServer.set(t.server, [e[0] + (t.flagged ? 1 : 0), e[1] + 1]);
}
out(`  per server with a false positive: ${[...perServer].filter(([, [n]]) => n > 0).map(([s, [n, d]]) => `${s} ${n}/${d}`).join(', ') || 'none'}`);

if (process.argv.includes('--misses')) {
  // Only the splits the rules may be tuned on: validation and holdout misses are never printed.
  out('\nmissed paraphrase variants (tune wordings only):');
  for (const { v, r } of variants.filter(({ v, r }) => v.split === 'tune' && !high(r))) {
    out(`  ${v.id} [${r.findings.map((f) => `${f.ruleId}:${f.severity}`).join(', ') || 'no findings'}] ${v.injected.replace(/\s+/g, ' ').slice(0, 220)}`);
  }
  out('\nmissed poisoned cases:');
  for (const { c, r } of poisoned.filter(({ r }) => !r.flagged)) {
    out(`  ${c.file}:${c.id} → ${r.findings.map((f) => `${f.ruleId}:${f.severity}`).join(', ') || 'no findings'}`);
  }
  out('\nexpected rules not firing (≥ low):');
  for (const { c, r } of poisoned) {
    const miss = (c.expectedRules ?? []).filter((id) => !r.findings.some((f) => f.ruleId === id));
    if (miss.length) out(`  ${c.id}: ${miss.join(', ')} (got ${[...new Set(r.findings.map((f) => `${f.ruleId}:${f.severity}`))].join(', ')})`);
  }
}
if (process.argv.includes('--fps')) {
  out('\nbenign tools flagged (holdout cohort left out):');
  for (const t of fps.filter((x) => !holdoutNames.has(x.server))) for (const f of t.findings.filter((x) => atLeast(x.severity, THRESHOLD))) out(`  ${t.server} ${t.tool}: ${f.ruleId}:${f.severity} ${f.message} | ${f.evidence.excerpt}`);
  out('\ncatalog-only flags:');
  for (const t of cfps.filter((x) => !holdoutNames.has(x.server))) for (const f of t.findings.filter((x) => atLeast(x.severity, THRESHOLD))) out(`  ${t.server} ${t.tool}: ${f.ruleId}:${f.severity} ${f.message}`);
}
