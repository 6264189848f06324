import { describe, expect, it } from 'vitest';
import { evaluateSnapshot, type EvaluationInput } from '../src/evaluate.js';
import { Alert } from '../src/schemas/alert.js';
import type { SecretExposure } from '../src/schemas/secret-exposure.js';
import { snapshot } from './fixtures.js';

const NOW = '2026-11-24T10:00:05.000Z';
const input = (over: Partial<EvaluationInput> & Pick<EvaluationInput, 'message'>): EvaluationInput => ({ baseline: null, open: {}, approvalRequired: false, now: NOW, ...over });

const exposures: SecretExposure[] = [
  { field: 'tools[read_file].description', source: 'env:API_TOKEN', encoding: 'raw' },
  { field: 'instructions', source: 'env:API_TOKEN', encoding: 'base64' },
  { field: 'tools[send_email].description', source: 'header:Authorization', encoding: 'json-escaped' },
];

describe('evaluateSnapshot: configured secrets in server text', () => {
  it('raises one critical server.secret_exposed alert per exposed secret, naming it, on first sight too', () => {
    const e = evaluateSnapshot(input({ message: snapshot('p1', { exposures }) }));
    const alerts = e.triggers.filter((a) => a.kind === 'server.secret_exposed');
    expect(alerts.map((a) => a.subject)).toEqual(['env:API_TOKEN', 'header:Authorization']);
    for (const a of alerts) {
      expect(() => Alert.parse(a)).not.toThrow();
      expect(a.severity).toBe('critical');
    }
    expect(alerts[0]!.dedupKey).toBe('files|server.secret_exposed|env:API_TOKEN');
    expect(alerts[0]!.summary).toContain('env:API_TOKEN');
    expect(alerts[0]!.evidence.after).toEqual({ source: 'env:API_TOKEN', fields: ['instructions', 'tools[read_file].description'], fieldCount: 2, encodings: ['base64', 'raw'] });
  });

  it('opens once and stays open while the exposure persists, even when it moves; resolves when it is gone', () => {
    const first = evaluateSnapshot(input({ message: snapshot('p1', { exposures }) }));
    const moved = exposures.map((x) => ({ ...x, field: 'prompts[p].description' }));
    const again = evaluateSnapshot(input({ message: snapshot('p2', { exposures: moved }), baseline: snapshot('p1', { exposures }), open: first.open }));
    expect(again.triggers.filter((a) => a.kind === 'server.secret_exposed')).toEqual([]);
    expect(Object.keys(again.open)).toEqual(Object.keys(first.open));

    const clean = evaluateSnapshot(input({ message: snapshot('p3'), baseline: snapshot('p1'), open: again.open }));
    expect(clean.resolves.map((a) => a.subject).sort()).toEqual(['env:API_TOKEN', 'header:Authorization']);
  });

  it('raises nothing for a snapshot without exposures', () => {
    expect(evaluateSnapshot(input({ message: snapshot('p1') })).triggers).toEqual([]);
  });
});
