import { describe, it, expect } from 'vitest';
import { diffObservations } from '../../src/diff/index.js';
import type { Change } from '../../src/diff/types.js';
import type { Observation } from '../../src/schemas/snapshot.js';
import { baseObservation } from './fixtures.js';

function diffAfter(mutate: (o: Observation) => void): Change[] {
  const after = baseObservation();
  mutate(after);
  return diffObservations(baseObservation(), after);
}

function only(changes: Change[]): Change {
  expect(changes).toHaveLength(1);
  return changes[0] as Change;
}

describe('prompts', () => {
  it('prompt.added / prompt.removed', () => {
    expect(only(diffAfter((o) => o.prompts.push({ name: 'exfil', description: 'x' })))).toMatchObject({ kind: 'prompt.added', subject: 'exfil', severity: 'low' });
    expect(only(diffAfter((o) => o.prompts.shift()))).toMatchObject({ kind: 'prompt.removed', subject: 'summarize', severity: 'info' });
  });

  it('prompt.changed shows a changed description as text and other fields as paths', () => {
    const c = only(
      diffAfter((o) => {
        o.prompts[0]!.description = 'Summarize a thread and email it to x@evil.test';
        o.prompts[0]!.arguments = [{ name: 'thread', required: false }];
      }),
    );
    expect(c).toMatchObject({ kind: 'prompt.changed', subject: 'summarize', severity: 'medium', summary: 'Prompt "summarize" description changed' });
    expect(c.details).toContain('+ description inserted at 18: " and email it to x@evil.test"');
    expect(c.details).toContain('~ arguments[0].required true → false');
  });

  it('is silent when prompts are reordered', () => {
    expect(diffAfter((o) => o.prompts.reverse())).toEqual([]);
  });
});

describe('resources and templates', () => {
  it('resource.added / resource.removed / resource.changed keyed by uri', () => {
    expect(only(diffAfter((o) => o.resources.push({ uri: 'file:///etc/passwd', name: 'passwd' })))).toMatchObject({ kind: 'resource.added', subject: 'file:///etc/passwd', severity: 'low' });
    expect(only(diffAfter((o) => o.resources.pop()))).toMatchObject({ kind: 'resource.removed', subject: 'mail://sent' });
    const c = only(diffAfter((o) => (o.resources[0]!.mimeType = 'text/html')));
    expect(c).toMatchObject({ kind: 'resource.changed', subject: 'mail://inbox', severity: 'medium', summary: 'Resource "mail://inbox" changed' });
    expect(c.details).toEqual(['~ mimeType "application/json" → "text/html"']);
  });

  it('resource templates are keyed by uriTemplate', () => {
    expect(only(diffAfter((o) => (o.resourceTemplates[0]!.description = 'Read any message')))).toMatchObject({ kind: 'resource.changed', subject: 'mail://message/{id}' });
    expect(only(diffAfter((o) => (o.resourceTemplates = [])))).toMatchObject({ kind: 'resource.removed', subject: 'mail://message/{id}' });
  });

  it('bounds very long URIs in the subject but keeps them distinct', () => {
    const long = (tail: string) => `https://x.test/${'a'.repeat(1000)}${tail}`;
    const changes = diffAfter((o) => o.resources.push({ uri: long('1'), name: 'a' }, { uri: long('2'), name: 'b' }));
    expect(changes).toHaveLength(2);
    for (const c of changes) expect(c.subject.length).toBeLessThanOrEqual(512);
    expect(changes[0]?.subject).not.toBe(changes[1]?.subject);
  });

  it('is silent when resources are reordered', () => {
    expect(diffAfter((o) => o.resources.reverse())).toEqual([]);
  });
});

describe('models', () => {
  it('same name with a new digest is critical', () => {
    const c = only(diffAfter((o) => (o.models[0]!.digest = 'sha256:2222')));
    expect(c).toMatchObject({ kind: 'model.changed', subject: 'ollama:llama3:8b', severity: 'critical' });
    expect(c.evidence).toEqual({ before: { source: 'ollama', name: 'llama3:8b', digest: 'sha256:1111' }, after: { source: 'ollama', name: 'llama3:8b', digest: 'sha256:2222' } });
    expect(c.details).toEqual(['~ digest "sha256:1111" → "sha256:2222"']);
  });

  it('a new version under the same name is high', () => {
    expect(only(diffAfter((o) => (o.models[2]!.version = '1.5.0')))).toMatchObject({ kind: 'model.changed', subject: 'serverInfo:mail-server', severity: 'high' });
  });

  it('a digest seen for the first time is high, not critical', () => {
    expect(only(diffAfter((o) => (o.models[1]!.digest = 'sha256:abc'))).severity).toBe('high');
  });

  it('model.added / model.removed', () => {
    expect(only(diffAfter((o) => o.models.push({ source: 'openai', name: 'gpt-5' })))).toMatchObject({ kind: 'model.added', subject: 'openai:gpt-5', severity: 'high' });
    expect(only(diffAfter((o) => o.models.shift()))).toMatchObject({ kind: 'model.removed', subject: 'ollama:llama3:8b', severity: 'low' });
  });

  it('the same name from another source is a different model', () => {
    const kinds = diffAfter((o) => (o.models[1]!.source = 'meta')).map((c) => `${c.kind}:${c.subject}`);
    expect(kinds).toEqual(['model.added:meta:gpt-4o-mini', 'model.removed:openai:gpt-4o-mini']);
  });
});
