/**
 * Floors for the content rules over the labelled corpus in test/corpus. The benchmark
 * (test/bench/corpus-bench.ts) prints the figures; this test fails when a change to the rules
 * lets recall or precision fall below the targets of the issue.
 */
import { describe, expect, it } from 'vitest';
import { atLeast } from '../../packages/core/src/severity.js';
import { loadBenign, loadPoisoned, scanBenign, scanBenignCatalog, scanCase } from '../corpus/load.js';

const benignFiles = loadBenign();
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
