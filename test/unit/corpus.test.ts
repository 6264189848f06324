/**
 * Floors for the content rules over the labelled corpus in test/corpus. The benchmark
 * (test/bench/corpus-bench.ts) prints the figures; this test fails when a change to the rules
 * lets recall or precision fall below the targets of the issue.
 */
import { describe, expect, it } from 'vitest';
import { atLeast } from '../../packages/core/src/severity.js';
import { loadBenign, loadPoisoned, scanBenign, scanBenignCatalog, scanCase } from '../corpus/load.js';
import { isHoldoutCohort, isNewCohort, loadParaphrases, loadValidation, scanVariant } from '../corpus/splits.js';

const allBenign = loadBenign();
/** The servers the rules were tuned on; the issue-12 cohort is held to its own floor below. */
const benignFiles = allBenign.filter((b) => !isNewCohort(b) && !isHoldoutCohort(b));
const newBenign = allBenign.filter(isNewCohort);
/** Never looked at while tuning: its floor reports a rate only, never which tools, so it stays unseen. */
const holdoutBenign = allBenign.filter(isHoldoutCohort);
const cases = loadPoisoned();

describe('labelled corpus', () => {
  it('is large enough to mean something', () => {
    expect(benignFiles.length).toBeGreaterThanOrEqual(10);
    expect(benignFiles.reduce((n, f) => n + f.tools.length, 0)).toBeGreaterThanOrEqual(150);
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(cases.filter((c) => c.subtle).length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const f of benignFiles) expect(f.source.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('covers every attack technique of the issue', () => {
    const techniques = new Set(cases.map((c) => c.technique));
    for (const t of ['tool-poisoning', 'rug-pull', 'shadowing', 'parameter-poisoning', 'tool-redirection', 'dependency-injection', 'concealment', 'unicode-smuggling', 'exfiltration']) {
      expect(techniques.has(t as never), t).toBe(true);
    }
  });
});

describe('content rules on the corpus', () => {
  it('detect at least 95% of poisoned tools at severity ≥ medium', () => {
    const missed = cases.filter((c) => !scanCase(c).flagged).map((c) => c.id);
    expect(1 - missed.length / cases.length, `missed: ${missed.join(', ')}`).toBeGreaterThanOrEqual(0.95);
  });

  it('detect at least 90% of the subtle poisoned tools (no shouted tags)', () => {
    const subtle = cases.filter((c) => c.subtle);
    const hit = subtle.filter((c) => scanCase(c).flagged).length;
    expect(hit / subtle.length).toBeGreaterThanOrEqual(0.9);
  });

  it('flag at most 1% of benign tools at severity ≥ medium, alone and in one catalog', () => {
    for (const results of [scanBenign(benignFiles), scanBenignCatalog(benignFiles)]) {
      const flagged = results.filter((r) => r.flagged).map((r) => `${r.server}:${r.tool}`);
      expect(flagged.length / results.length, `flagged: ${flagged.join(', ')}`).toBeLessThanOrEqual(0.01);
    }
  });

  it('never grade a benign tool high (which would auto-quarantine it)', () => {
    const high = scanBenign(benignFiles).filter((r) => r.findings.some((f) => atLeast(f.severity, 'high')));
    expect(high.map((r) => `${r.server}:${r.tool}`)).toEqual([]);
  });

  it('fire the rules each case is labelled with', () => {
    let labels = 0;
    const missing: string[] = [];
    for (const c of cases) {
      const found = new Set(scanCase(c).findings.map((f) => f.ruleId));
      for (const id of c.expectedRules ?? []) {
        labels++;
        if (!found.has(id)) missing.push(`${c.id}:${id}`);
      }
    }
    expect(labels).toBeGreaterThan(cases.length);
    expect(1 - missing.length / labels, `missing: ${missing.join(', ')}`).toBeGreaterThanOrEqual(0.95);
  });
});

/**
 * Regression floors on text the rules were not tuned on (issue 12). They sit just under what the
 * frozen rules measured (test/corpus/README.md), not at the targets, most of which are not
 * met: they catch a change that loses generalisation, and are raised when the rules improve.
 */
describe('generalisation floors', () => {
  it('keeps recall on the paraphrase holdout wordings (measured 55.6%)', () => {
    const variants = loadParaphrases(allBenign).filter((v) => v.split === 'holdout');
    const hit = variants.filter((v) => scanVariant(v, allBenign).flagged).length;
    expect(hit / variants.length).toBeGreaterThanOrEqual(0.53);
  });

  it('keeps recall on the blind validation rounds (measured 49.8% over four rounds)', () => {
    const validation = loadValidation();
    expect(new Set(validation.map((c) => c.file)).size).toBeGreaterThanOrEqual(4);
    const hit = validation.filter((c) => scanCase(c).flagged).length;
    expect(hit / validation.length).toBeGreaterThanOrEqual(0.47);
  });

  it('meets the false-positive targets on the issue-12 cohort (measured 0.6% / 0.2%)', () => {
    const results = scanBenign(newBenign);
    expect(results.length).toBeGreaterThanOrEqual(1_000);
    const medium = results.filter((r) => r.flagged).map((r) => `${r.server}:${r.tool}`);
    expect(medium.length / results.length, `flagged: ${medium.join(', ')}`).toBeLessThanOrEqual(0.01);
    const high = results.filter((r) => r.findings.some((f) => atLeast(f.severity, 'high'))).map((r) => `${r.server}:${r.tool}`);
    expect(high.length / results.length, `high: ${high.join(', ')}`).toBeLessThanOrEqual(0.005);
  });

  it('keeps false positives bounded on the holdout cohort (measured 1.7% / 1.5%; targets 1% / 0.5% not met)', () => {
    const results = scanBenign(holdoutBenign);
    expect(results.length).toBeGreaterThanOrEqual(700);
    // Rates only: naming the flagged tools would show the holdout to whoever runs the test.
    const medium = results.filter((r) => r.flagged).length / results.length;
    const high = results.filter((r) => r.findings.some((f) => atLeast(f.severity, 'high'))).length / results.length;
    expect(medium <= 0.02, `holdout false-positive rate at ≥ medium: ${(100 * medium).toFixed(1)}%`).toBe(true);
    expect(high <= 0.018, `holdout false-positive rate at ≥ high: ${(100 * high).toFixed(1)}%`).toBe(true);
  });
});
