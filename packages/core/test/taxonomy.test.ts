import { describe, it, expect } from 'vitest';
import { KIND_INFO } from '../src/taxonomy.js';
import { CHANGE_KINDS } from '../src/schemas/alert.js';
import { SEVERITIES } from '../src/severity.js';
import { Text } from '../src/schemas/json-value.js';

describe('KIND_INFO', () => {
  it('covers exactly the change kinds of the contract', () => {
    expect(Object.keys(KIND_INFO).sort()).toEqual([...CHANGE_KINDS].sort());
  });

  it.each(CHANGE_KINDS.map((k) => [k]))('%s has a severity, a one-line explanation and a remediation', (kind) => {
    const info = KIND_INFO[kind];
    expect(SEVERITIES).toContain(info.severity);
    for (const text of [info.explanation, info.remediation]) {
      expect(text.length).toBeGreaterThan(20);
      expect(text).not.toMatch(/\n/);
      expect(Text.safeParse(text).success).toBe(true);
    }
  });

  it('rates the rug-pull and supply-chain kinds above bookkeeping ones', () => {
    expect(KIND_INFO['tool.description_changed'].severity).toBe('high');
    expect(KIND_INFO['server.instructions_changed'].severity).toBe('high');
    expect(KIND_INFO['transport.insecure'].severity).toBe('high');
    expect(KIND_INFO['model.changed'].severity).toBe('high');
    expect(KIND_INFO['model.changed'].grades['digest-swapped']).toBe('critical');
    // Unreviewed weights behind a server: high, whether a pin or the baseline says so.
    expect(KIND_INFO['model.added'].severity).toBe('high');
    expect(KIND_INFO['server.version_changed'].severity).toBe('low');
    expect(KIND_INFO['tool.removed'].severity).toBe('low');
    expect(KIND_INFO['server.recovered'].severity).toBe('info');
  });
});
