import { describe, expect, it } from 'vitest';
import { hasReference, literalPart, referenceProblem, scanReferences, secretPathProblem } from '../../src/index.js';

describe('credential references', () => {
  it('reads ${NAME}, ${NAME:-default}, ${file:/path} and the $${ escape', () => {
    expect(scanReferences('Bearer ${TOKEN}').map((r) => r.token)).toEqual([{ kind: 'env', name: 'TOKEN' }]);
    expect(scanReferences('${A:-x}${file:/run/secrets/b}$${C}').map((r) => r.token)).toEqual([
      { kind: 'env', name: 'A', fallback: 'x' },
      { kind: 'file', path: '/run/secrets/b' },
      { kind: 'escape' },
    ]);
    expect(hasReference('no refs $${X}')).toBe(false);
    expect(hasReference('${file:/run/secrets/x}')).toBe(true);
  });

  it('keeps the clear part: literals and defaults, references dropped', () => {
    expect(literalPart('Bearer ${TOKEN}')).toBe('Bearer ');
    expect(literalPart('${TOKEN:-ghp_literal}')).toBe('ghp_literal');
    expect(literalPart('a$${b}')).toBe('a${b}');
  });

  it('refuses malformed references and file paths that are relative or walk out with ..', () => {
    expect(referenceProblem('${API KEY}')).toMatch(/malformed/);
    expect(referenceProblem('${file:token}')).toMatch(/absolute/);
    expect(referenceProblem('${file:/run/secrets/../../etc/shadow}')).toMatch(/normalised/);
    expect(referenceProblem('${file:/run//secrets/x}')).toMatch(/normalised/);
    expect(referenceProblem('${file:}')).toMatch(/empty/);
    expect(referenceProblem('Bearer ${TOKEN} and ${file:/run/secrets/x}')).toBeUndefined();
    expect(secretPathProblem('/run/secrets/api-token')).toBeUndefined();
  });
});
